/**
 * The Instaleap sandbox's core, shared by its API, its admin API and the programmatic handle: slots,
 * jobs, the events a job goes through, and their signed delivery to the account's webhook URLs.
 */
import type { Logger } from 'pino';
import type {
  CreateJobRequest,
  CreateJobResponse,
  PaymentDetails,
  RecipientUpdateRequest,
} from '../../contracts/deliveryEngine';
import { SandboxError } from '../common/errors';
import { advanceJob, buildEvent, type SandboxJobEvent } from './events';
import { ENDED_STATES, JobStore, OUT_OF_STORE, type JobEntry } from './jobs';
import { DEFAULT_SLOT_HOLD_MS, resolveWebhookOptions, type EngineSandboxOptions } from './options';
import { SCENARIOS, ScenarioPlayer, type PlayRequest, type ScenarioName } from './scenarios';
import { SlotBook } from './slots';
import { WebhookDispatcher } from './webhookDispatcher';
import { WorkTracker } from './workTracker';

export const DEFAULT_STEP_MS = 1000;

export class Engine {
  readonly slots: SlotBook;
  readonly jobs: JobStore;
  readonly dispatcher: WebhookDispatcher;
  readonly work = new WorkTracker();
  private readonly player = new ScenarioPlayer(this.work);

  constructor(
    private readonly options: EngineSandboxOptions,
    private readonly logger: Logger,
  ) {
    this.slots = new SlotBook(options.slotHoldMs ?? DEFAULT_SLOT_HOLD_MS, options.slotLapseRate ?? 0);
    this.jobs = new JobStore(this.slots);
    this.dispatcher = new WebhookDispatcher(
      resolveWebhookOptions(options.webhook),
      options.webhookSecret,
      this.work,
      logger,
      options.webhook?.urls ?? [],
    );
    if (options.autoplay) this.scenarioTypes(options.autoplay.scenario);
  }

  /** POST /jobs: a new job on the slot, told of by its CREATED event. */
  createJob(request: CreateJobRequest, trackingBase: string): CreateJobResponse {
    const entry = this.jobs.create(request, trackingBase);
    const jobId = entry.job.id;
    this.logger.info({ jobId, clientReference: entry.job.client_reference }, 'job created');
    this.emit(jobId, 'CREATED');
    const autoplay = this.options.autoplay;
    if (autoplay) this.play(jobId, autoplay.scenario, autoplay.stepMs);
    return { message: 'Job created', job_id: jobId };
  }

  /** Changes the job as a real one would, builds the event from it, queues it for every webhook URL. */
  emit(jobId: string, type: string, overrides: Record<string, unknown> = {}): SandboxJobEvent {
    const entry = this.jobs.require(jobId);
    const now = new Date();
    if (!ENDED_STATES.has(entry.job.state)) advanceJob(entry, type, now);
    const event = buildEvent(entry, type, overrides, now);
    this.jobs.applyEvent(entry, event);
    // The event carries the job as it stands once the event applied.
    event.job = { ...event.job, state: entry.job.state };
    this.dispatcher.enqueue(jobId, event);
    this.logger.info({ jobId, eventId: event.id, type }, 'job event emitted');
    return event;
  }

  /** 409 once delivered; a job already cancelled stays so without a second event. */
  cancel(jobId: string, reason: string): CreateJobResponse {
    const entry = this.jobs.require(jobId);
    if (entry.job.state === 'CLIENT_RECEIVED') throw new SandboxError(409, 'Job already delivered');
    if (entry.job.state !== 'CANCELLED') {
      entry.job.cancel_reason = reason;
      this.emit(jobId, 'CANCELLED');
    }
    return { message: 'Job cancelled', job_id: jobId };
  }

  /** PUT /jobs/{id}/payment_info: EXIT_STORE holds the job in the store, UNBLOCKED lets it go. */
  setPayment(jobId: string, payment: PaymentDetails): CreateJobResponse {
    const entry = this.jobs.require(jobId);
    if (ENDED_STATES.has(entry.job.state)) throw new SandboxError(409, `Job already ${entry.job.state}`);
    this.jobs.setPayment(entry, payment);
    return { message: 'Payment info updated', job_id: jobId };
  }

  changeRecipient(jobId: string, change: RecipientUpdateRequest): CreateJobResponse {
    const entry = this.jobs.require(jobId);
    if (ENDED_STATES.has(entry.job.state)) throw new SandboxError(409, `Job already ${entry.job.state}`);
    entry.job.recipient = { ...entry.job.recipient, ...change.recipient };
    if (change.destination) entry.job.destination = change.destination;
    return { message: 'Recipient updated', job_id: jobId };
  }

  play(jobId: string, scenario: string | readonly string[], stepMs = DEFAULT_STEP_MS): PlayRequest {
    const entry = this.jobs.require(jobId);
    const request: PlayRequest = {
      jobId,
      types: typeof scenario === 'string' ? this.scenarioTypes(scenario) : [...scenario],
      stepMs,
    };
    this.player.play(request, (type) => {
      // A held job does not leave the store: its next steps wait for the release.
      if (OUT_OF_STORE.has(type) && this.jobs.isHeld(entry)) return 'wait';
      this.emit(jobId, type);
      return 'sent';
    });
    return request;
  }

  job(jobId: string): JobEntry | undefined {
    return this.jobs.get(jobId);
  }

  stop(): void {
    this.player.stop();
    this.dispatcher.stop();
    this.work.clear();
  }

  private scenarioTypes(name: string): string[] {
    const types = (SCENARIOS as Record<string, readonly string[]>)[name];
    if (!types) throw new SandboxError(400, `Unknown scenario "${name}": one of ${Object.keys(SCENARIOS).join(', ')}`);
    return [...types];
  }
}

export type { ScenarioName };
