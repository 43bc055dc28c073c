/** What a test in the same process can do with a Delivery Engine sandbox: the admin API's powers, typed. */
import type { AvailabilityResponse, Job } from '../../contracts/deliveryEngine';
import type { SandboxControls } from '../common/controls';
import type { SandboxJobEvent } from './events';
import type { PlayRequest, ScenarioName } from './scenarios';
import type { DeliveryAttempt, DeliveryFilter, WebhookBehaviour } from './webhookDispatcher';

export interface EngineSandboxHandle extends SandboxControls {
  /** one event for the job, built as the real engine would; overrides win */
  emit(jobId: string, type: string, overrides?: Record<string, unknown>): SandboxJobEvent;
  /** plays a scenario (or a list of event types) in the background, one event every stepMs (default 1000) */
  play(jobId: string, scenario: ScenarioName | readonly string[], stepMs?: number): PlayRequest;
  jobs(): Job[];
  job(jobId: string): Job | undefined;
  jobByClientReference(clientReference: string): Job | undefined;
  /** the events a job emitted, in order */
  events(jobId: string): SandboxJobEvent[];
  /** the webhook target a job was created with (its key included: tests need it) */
  webhookOf(jobId: string): { URL: string; key: string } | undefined;
  slots(): AvailabilityResponse[];
  /** expires every held slot now; returns how many */
  expireSlots(): number;
  /** every webhook delivery attempt, oldest first */
  deliveries(filter?: DeliveryFilter): DeliveryAttempt[];
  webhookBehaviour(): WebhookBehaviour;
  setWebhookBehaviour(behaviour: Partial<WebhookBehaviour>): WebhookBehaviour;
  /** resolves when no webhook delivery (and no scenario) is pending */
  idle(): Promise<void>;
  /** stops scenarios and deliveries (close() does it too) */
  stop(): void;
}
