/** What a test in the same process can do with an Instaleap sandbox: the admin API's powers, typed. */
import type { Slot } from '../../contracts/deliveryEngine';
import type { SandboxControls } from '../common/controls';
import type { SandboxJob, SandboxJobEvent } from './jobs';
import type { PlayRequest, ScenarioName } from './scenarios';
import type { DeliveryAttempt, DeliveryFilter, WebhookBehaviour } from './webhookDispatcher';

export interface EngineSandboxHandle extends SandboxControls {
  /** one event for the job, built as the real engine would; overrides win (`job` merged into the job) */
  emit(jobId: string, type: string, overrides?: Record<string, unknown>): SandboxJobEvent;
  /** plays a scenario (or a list of event types) in the background, one event every stepMs (default 1000) */
  play(jobId: string, scenario: ScenarioName | readonly string[], stepMs?: number): PlayRequest;
  jobs(): SandboxJob[];
  job(jobId: string): SandboxJob | undefined;
  /** every job made with that client_reference, oldest first (a lost create answer can leave two) */
  jobsByClientReference(clientReference: string): SandboxJob[];
  /** the events a job emitted, in order */
  events(jobId: string): SandboxJobEvent[];
  /** the blocking_policy of each payment_info update of the job, oldest first */
  blockingPolicies(jobId: string): string[];
  slots(): Slot[];
  /** expires every held slot now; returns how many */
  expireSlots(): number;
  /** the account's webhook URLs */
  webhookUrls(): string[];
  /** registers the account's webhook URLs (at most 3) */
  setWebhookUrls(urls: string[]): string[];
  /** every webhook delivery attempt, oldest first */
  deliveries(filter?: DeliveryFilter): DeliveryAttempt[];
  webhookBehaviour(): WebhookBehaviour;
  setWebhookBehaviour(behaviour: Partial<WebhookBehaviour>): WebhookBehaviour;
  /** resolves when no webhook delivery (and no scenario) is pending */
  idle(): Promise<void>;
  /** stops scenarios and deliveries (close() does it too) */
  stop(): void;
}
