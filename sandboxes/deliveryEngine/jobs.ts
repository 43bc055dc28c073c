/**
 * Jobs of the Instaleap sandbox, shaped as Instaleap's GET /jobs/{id} shows them: a new job per
 * POST /jobs (Instaleap promises nothing per client_reference, so a repeated create makes a second
 * job), its tasks (picking, then delivery, whose `resource` is the driver), and the events it went
 * through. The job's `state` follows its lifecycle events.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { BLOCKING_POLICY, type CreateJobRequest, type PaymentDetails } from '../../contracts/deliveryEngine';
import { SLOT_EXPIRED_STATUS } from '../../contracts/instaleapChoices';
import { SandboxError } from '../common/errors';
import type { SlotBook } from './slots';

export interface SandboxTask {
  id: string;
  type: 'PICKING' | 'DELIVERY';
  state: string;
  resource: string | { id: string; name: string; phone_number: string; vehicle: string } | null;
  steps: Array<{ id: string; state: string; type: string }>;
}

/** The job as GET /jobs/{id} answers it: what it was created with, its published fields, then the unpublished ones we fill. */
export interface SandboxJob extends Omit<CreateJobRequest, 'slot_id' | 'job_comment'> {
  id: string;
  client_reference: string;
  state: string;
  start_time: string;
  end_time: string;
  recipient: CreateJobRequest['recipient'];
  origin: unknown;
  destination: unknown;
  job_items: unknown;
  payment_info: CreateJobRequest['payment_info'];
  external_data: CreateJobRequest['external_data'];
  job_comment: string | null;
  tasks: SandboxTask[];
  tracking_url: string;
  delivery_code?: string;
  eta?: string;
  evidences?: Array<{ type: 'IMAGE' | 'TEXT'; content: string; author: string | null }>;
  /** the sandbox's own record: the slot the job took, and why it was cancelled */
  slot_id: string;
  cancel_reason: string | null;
}

export interface SandboxJobEvent {
  id: string;
  type: string;
  created_at: string;
  job: SandboxJob;
  [extra: string]: unknown;
}

export interface JobEntry {
  job: SandboxJob;
  /** couriers allocated so far, to pick a different one on RE_ALLOCATED */
  allocations: number;
  events: SandboxJobEvent[];
  /** the hold the job was created with, if any, then the blocking_policy of each payment_info update, oldest first */
  blockingPolicies: string[];
}

/** Event types after which the job has left the store (a held job waits before them). */
export const OUT_OF_STORE: ReadonlySet<string> = new Set([
  'GOING_TO_DESTINATION_STARTED',
  'ARRIVED_TO_DESTINATION',
  'DELIVERING_STARTED',
  'CLIENT_RECEIVED',
]);

/** Event types that are a step of the job's lifecycle: its `state` becomes the type. */
const LIFECYCLE: ReadonlySet<string> = new Set([
  'CREATED',
  'ALLOCATED',
  'RE_ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_STARTED',
  'PICKING_FINISHED',
  'CHECKING_OUT_STARTED',
  'CHECKED_OUT',
  ...OUT_OF_STORE,
  'REFUSED',
  'CANCELLED',
]);

export const ENDED_STATES: ReadonlySet<string> = new Set(['CANCELLED', 'CLIENT_RECEIVED']);

export class JobStore {
  private readonly jobs = new Map<string, JobEntry>();

  constructor(private readonly slots: SlotBook) {}

  /** The slot's rules: unknown 404, expired 417 (seed 000), already taken 409. */
  create(request: CreateJobRequest, trackingBase: string, now = Date.now()): JobEntry {
    const held = this.slots.require(request.slot_id);
    if (this.slots.isExpired(held, now)) throw new SandboxError(SLOT_EXPIRED_STATUS, 'Slot expired');
    if (held.jobId !== null) throw new SandboxError(409, 'Slot already used by another job');
    const id = randomUUID();
    held.jobId = id;
    const { slot_id: _slot, ...created } = request;
    const job: SandboxJob = {
      ...created,
      id,
      client_reference: request.client_reference,
      state: 'CREATED',
      start_time: held.slot.from,
      end_time: held.slot.to,
      recipient: request.recipient,
      origin: held.request.origin,
      destination: held.request.destination,
      job_items: held.request.job_items,
      payment_info: request.payment_info,
      external_data: request.external_data,
      job_comment: request.job_comment ?? null,
      tasks: [
        { id: `picking-${id}`, type: 'PICKING', state: 'PENDING', resource: null, steps: [] },
        { id: `delivery-${id}`, type: 'DELIVERY', state: 'PENDING', resource: null, steps: [] },
      ],
      tracking_url: `${trackingBase}/tracking/${id}`,
      ...(request.add_delivery_code ? { delivery_code: String(randomInt(0, 10_000)).padStart(4, '0') } : {}),
      slot_id: held.slot.id,
      cancel_reason: null,
    };
    const entry: JobEntry = { job, allocations: 0, events: [], blockingPolicies: initialPolicy(request) };
    this.jobs.set(id, entry);
    return entry;
  }

  get(jobId: string): JobEntry | undefined {
    return this.jobs.get(jobId);
  }

  require(jobId: string): JobEntry {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new SandboxError(404, 'Job not found');
    return entry;
  }

  byReference(clientReference: string): JobEntry[] {
    return [...this.jobs.values()].filter((e) => e.job.client_reference === clientReference);
  }

  all(): JobEntry[] {
    return [...this.jobs.values()];
  }

  /** PUT /jobs/{id}/payment_info: the payment as given; its blocking_policy holds or releases the job. */
  setPayment(entry: JobEntry, payment: PaymentDetails): void {
    entry.job.payment_info = { ...entry.job.payment_info, payment };
    entry.blockingPolicies.push(payment.blocking_policy ?? '');
  }

  isHeld(entry: JobEntry): boolean {
    return entry.blockingPolicies.at(-1) === BLOCKING_POLICY.hold;
  }

  /** The job after an event it emitted (a job that ended keeps its state: a late event is still sent). */
  applyEvent(entry: JobEntry, event: SandboxJobEvent): void {
    entry.events.push(event);
    if (ENDED_STATES.has(entry.job.state)) return;
    if (event.type === 'RE_ALLOCATED' || (event.type === 'ALLOCATED' && entry.allocations === 0)) entry.allocations++;
    if (LIFECYCLE.has(event.type)) entry.job.state = event.type;
  }
}

/** A job created with a blocking policy (held in the store from the start) is held until released. */
/** A job created held in the store (EXIT_STORE) starts held; any other value (the seed's "string") holds nothing. */
function initialPolicy(request: CreateJobRequest): string[] {
  const policy = request.payment_info.payment?.blocking_policy;
  return policy === BLOCKING_POLICY.hold ? [policy] : [];
}
