/**
 * The Delivery Engine's core, shared by its API, its admin API and the programmatic handle: slots,
 * jobs, the events a job goes through, and their delivery to the job's webhook.
 */
import type { Logger } from 'pino';
import type { CreateJobRequest, CreateJobResponse, Job } from '../../contracts/deliveryEngine';
import { SandboxError } from '../common/errors';
import { buildEvent, type SandboxJobEvent } from './events';
import { JobStore, type JobEntry } from './jobs';
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
    this.slots = new SlotBook(options.slotHoldMs ?? DEFAULT_SLOT_HOLD_MS);
    this.jobs = new JobStore(this.slots);
    this.dispatcher = new WebhookDispatcher(resolveWebhookOptions(options.webhook), this.work, logger);
    if (options.autoplay) this.scenarioTypes(options.autoplay.scenario);
  }

  /** POST /jobs: the answer, and whether a job was created (201) or found by client_reference (200). */
  createJob(request: CreateJobRequest, trackingBase: string): { created: boolean; answer: CreateJobResponse } {
    const { entry, created } = this.jobs.create(request, trackingBase);
    if (created) {
      this.logger.info({ jobId: entry.job.job_id, clientReference: entry.job.client_reference }, 'job created');
      const autoplay = this.options.autoplay;
      if (autoplay) this.play(entry.job.job_id, autoplay.scenario, autoplay.stepMs);
    }
    const job = entry.job;
    return {
      created,
      answer: {
        job_id: job.job_id,
        status: job.status,
        tracking_url: job.tracking_url,
        ...(job.delivery_code ? { delivery_code: job.delivery_code } : {}),
      },
    };
  }

  /** Builds the event a real job would send, applies it to the job, queues it for the webhook. */
  emit(jobId: string, type: string, overrides: Record<string, unknown> = {}): SandboxJobEvent {
    const entry = this.jobs.require(jobId);
    const event = buildEvent(entry, type, overrides);
    this.jobs.applyEvent(entry, event);
    this.dispatcher.enqueue(jobId, entry.webhook, event);
    this.logger.info({ jobId, eventId: event.id, type }, 'job event emitted');
    return event;
  }

  /** 409 once delivered; a job already cancelled stays so without a second event. */
  cancel(jobId: string, reason: string): Job {
    const entry = this.jobs.require(jobId);
    if (entry.job.status === 'DELIVERED') throw new SandboxError(409, 'Job already delivered');
    if (entry.job.status !== 'CANCELLED') {
      entry.job.cancel_reason = reason;
      this.emit(jobId, 'CANCELLED', { reason });
    }
    return entry.job;
  }

  hold(jobId: string, onHold: boolean, reason: string): Job {
    const entry = this.jobs.require(jobId);
    if (onHold) this.emit(jobId, 'ON_HOLD', { reason });
    else this.jobs.release(entry);
    return entry.job;
  }

  play(jobId: string, scenario: string | readonly string[], stepMs = DEFAULT_STEP_MS): PlayRequest {
    this.jobs.require(jobId);
    const request: PlayRequest = {
      jobId,
      types: typeof scenario === 'string' ? this.scenarioTypes(scenario) : [...scenario],
      stepMs,
    };
    this.player.play(request, (type) => this.emit(jobId, type));
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
