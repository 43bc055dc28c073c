/**
 * Jobs of the Delivery Engine: created once per `client_reference` (a retry of POST /jobs gets the
 * same job), each with its webhook target, its courier and the events it went through. Job status
 * follows the events, as the real engine's would.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { CreateJobRequest, EngineResource, Job, JobEvent, JobStatus } from '../../contracts/deliveryEngine';
import { SandboxError } from '../common/errors';
import type { SlotBook } from './slots';

export interface JobEntry {
  job: Job;
  webhook: { URL: string; key: string };
  /** the courier, from ALLOCATED / RE_ALLOCATED on */
  resource: EngineResource | null;
  /** couriers allocated so far, to pick a different one on RE_ALLOCATED */
  allocations: number;
  distance_m: number;
  events: JobEvent[];
  statusBeforeHold: JobStatus | null;
}

export interface CreateOutcome {
  entry: JobEntry;
  /** false when the client_reference already had a job: nothing was created */
  created: boolean;
}

/** Event types that end in a job status other than IN_PROGRESS. */
const STATUS_OF_EVENT: Record<string, JobStatus> = {
  CLIENT_RECEIVED: 'DELIVERED',
  CANCELLED: 'CANCELLED',
  RETURNED: 'RETURNED',
  ON_HOLD: 'ON_HOLD',
};

const FINAL_STATUSES: ReadonlySet<string> = new Set(['CANCELLED', 'DELIVERED', 'RETURNED', 'FAILED']);

export class JobStore {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly byClientReference = new Map<string, string>();

  constructor(private readonly slots: SlotBook) {}

  /** Idempotency first (the engine's Create a Job asks to associate the job with the order), then the slot's rules. */
  create(request: CreateJobRequest, trackingBase: string, now = Date.now()): CreateOutcome {
    const existing = this.byReference(request.client_reference);
    if (existing) return { entry: existing, created: false };
    const slot = this.slots.require(request.slot_id);
    if (this.slots.isExpired(slot, now)) throw new SandboxError(417, 'Slot expired');
    if (slot.jobId !== null) throw new SandboxError(409, 'Slot already used by another job');

    const jobId = randomUUID();
    slot.jobId = jobId;
    const { external_data, ...rest } = request;
    const job: Job = {
      job_id: jobId,
      client_reference: request.client_reference,
      slot_id: slot.slot_id,
      status: 'CREATED',
      last_event: null,
      on_hold: false,
      tracking_url: `${trackingBase}/tracking/${jobId}`,
      ...(request.add_delivery_code ? { delivery_code: String(randomInt(0, 10_000)).padStart(4, '0') } : {}),
      created_at: new Date(now).toISOString(),
      window: { starts_at: slot.starts_at, ends_at: slot.ends_at },
      price: slot.price,
      request: rest,
      cancel_reason: null,
    };
    const entry: JobEntry = {
      job,
      webhook: { URL: external_data.webhook.URL, key: external_data.webhook.key },
      resource: null,
      allocations: 0,
      distance_m: slot.distance_m,
      events: [],
      statusBeforeHold: null,
    };
    this.jobs.set(jobId, entry);
    this.byClientReference.set(request.client_reference, jobId);
    return { entry, created: true };
  }

  get(jobId: string): JobEntry | undefined {
    return this.jobs.get(jobId);
  }

  require(jobId: string): JobEntry {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new SandboxError(404, 'Job not found');
    return entry;
  }

  byReference(clientReference: string): JobEntry | undefined {
    const jobId = this.byClientReference.get(clientReference);
    return jobId === undefined ? undefined : this.jobs.get(jobId);
  }

  all(): JobEntry[] {
    return [...this.jobs.values()];
  }

  /** The job's status and courier after an event it emitted (a job that ended keeps its status). */
  applyEvent(entry: JobEntry, event: JobEvent): void {
    const job = entry.job;
    entry.events.push(event);
    job.last_event = event.type;
    // A job that ended stays ended: a late or stray event is still sent, as an engine would, but no
    // driver picks a cancelled job up again.
    if (FINAL_STATUSES.has(job.status)) return;
    if (event.resource) entry.resource = event.resource;
    if (event.type === 'RE_ALLOCATED' || (event.type === 'ALLOCATED' && entry.allocations === 0)) entry.allocations++;
    if (event.type === 'CANCELLED') job.cancel_reason = event.reason ?? job.cancel_reason;
    const status = STATUS_OF_EVENT[event.type];
    if (status === 'ON_HOLD') {
      if (job.status !== 'ON_HOLD') entry.statusBeforeHold = job.status;
      job.on_hold = true;
    } else {
      job.on_hold = false;
    }
    if (status) job.status = status;
    // CREATED leaves a fresh job CREATED; every other event means the job is moving.
    else if (event.type !== 'CREATED' || job.status !== 'CREATED') job.status = 'IN_PROGRESS';
  }

  /** Releases a hold without an event (the engine has no "resumed" event type). */
  release(entry: JobEntry): void {
    entry.job.on_hold = false;
    if (entry.job.status === 'ON_HOLD') entry.job.status = entry.statusBeforeHold ?? 'IN_PROGRESS';
    entry.statusBeforeHold = null;
  }
}
