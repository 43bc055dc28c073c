/** The powers every sandbox hands to tests in the same process, the same as its admin API. */
import type { CallFilter, CallRecord } from './callRecorder';
import type { FaultSettings, PartialFaultSettings } from './faults';

export interface SandboxControls {
  /** calls received, oldest first, secrets masked */
  calls(filter?: CallFilter): CallRecord[];
  clearCalls(): void;
  faults(): FaultSettings;
  /** merges into the current fault settings; throws on invalid settings */
  setFaults(partial: PartialFaultSettings): FaultSettings;
  resetFaults(): FaultSettings;
}

/** A sandbox started by `start*Sandbox`: its controls, where it listens, and how to stop it. */
export interface Started {
  url: string;
  port: number;
  close(): Promise<void>;
}
