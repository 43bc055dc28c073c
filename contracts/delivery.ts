/**
 * The delivery's own vocabulary: what a delivery workflow is given and what it exposes. Every layer
 * imports it (mapping, activities, workflows, the API, scripts); it imports only other contracts.
 * Types only (plus constants): the workflow bundle imports this, so no runtime dependency may creep in.
 */
import { CONFIRMATION_DELAY_MS, CONFIRMATION_MARGIN_MS } from './confirmation';
import type { CreateJobRequest, JobEvent, RecipientUpdateRequest, SlotSearch } from './deliveryEngine';
import type { OutgoingCall, ReporterMemory } from './platformCalls';
import type { Label, ServiceStatus } from './vtex';

/**
 * Who asked for the delivery. `'marketplace'` is Abbiamo: the contract's role name for it, persisted
 * in workflow histories, search attributes and metric labels, so the value stays while the code says Abbiamo.
 */
export type Platform = 'vtex' | 'marketplace';

/**
 * A delivery's status, whatever its platform: VTEX's service statuses (contracts/vtex.ts) but CREATED,
 * which only VTEX sets, so VTEX is told ours as is; Abbiamo's are mapped (mapping/eventToAbbiamo.ts).
 */
export const DELIVERY_STATUSES = [
  'PENDING',
  'ASSIGNED',
  'PICKED',
  'ON_ROUTE',
  'INCIDENT',
  'ON_HOLD',
  'RETURNED',
  'DELIVERED',
  'CANCELED',
] as const satisfies readonly ServiceStatus[];
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A status VTEX shows, as a delivery's: the same word, none for CREATED (VTEX's own, before any carrier). */
export function deliveryStatusOf(status: ServiceStatus): DeliveryStatus | undefined {
  return status === 'CREATED' ? undefined : status;
}

/** Everything the engine needs for the job, except the slot and the webhook key (set at creation). */
export interface JobSpec {
  clientReference: string;
  /** what the slot search needs from the delivery (the carrier's settings are added by the activity) */
  availability: SlotSearch;
  job: Omit<CreateJobRequest, 'slot_id' | 'client_reference' | 'external_data'>;
}

export interface VtexTarget {
  platform: 'vtex';
  carrierId: string;
  serviceId: string;
}

export interface AbbiamoTarget {
  platform: 'marketplace';
  deliveryId: string;
  orderNumber: string;
  tracking: string | null;
  /** `logistic_data.headers`, sealed (AES-GCM) at intake so they never sit in plain history. */
  sealedHeaders: string;
  /** When we received the DELIVERY_REQUEST (ISO): no `event_at` we send is earlier. */
  requestedAt?: string;
  /** The pickup code we made (`pincode_owner: carrier`), sent to Abbiamo as `collect_verification_code`. */
  pickupCode?: string;
  /**
   * Who the parcel is for (the request's customer, then its receiver changes): sent with
   * `successful` as the receiver, since the engine's events carry no received-by.
   */
  receiver?: { name: string; document?: string };
}

export type ReportTarget = VtexTarget | AbbiamoTarget;

export interface DeliveryInput {
  serviceId: string;
  platform: Platform;
  orderId: string;
  carrierId: string;
  routeId?: string;
  routeName?: string;
  spec: JobSpec;
  report: ReportTarget;
  /** ISO time after which no slot is worth having: the delivery window's end, or our grace. */
  giveUpAt: string;
  /** Kept for operators (VTEX settings without secrets, timezone, ...); never sent anywhere. */
  context?: Record<string, unknown>;
  tuning?: DeliveryTuning;
  /**
   * Set by the intake when an operator must look at the delivery from its start although it is
   * taken (for example a payment method we do not know): the delivery starts flagged with this reason.
   */
  attention?: string;
  /** Set only by continue-as-new. */
  carried?: DeliveryState;
}

export interface DeliveryTuning {
  /** How long after our Create service answer the platform accepts tracking calls (VTEX: 5 s). */
  confirmationDelayMs?: number;
  /** Safety margin on top of the confirmation delay, for the answer's trip back to the platform. */
  confirmationMarginMs?: number;
  /** Continue as new once history has this many events (Temporal's own suggestion also counts). */
  continueAsNewAfterEvents?: number;
  /** A report the platform has not taken after this long flags the delivery (it keeps retrying). */
  reportAttentionAfterMs?: number;
  /**
   * How long a hold, release or cancel of the job is retried before the delivery is flagged and
   * its inbox moves on (an engine that cannot take one never blocks what comes after it).
   */
  engineCommandTimeoutMs?: number;
  /**
   * The largest state a run carries into the next (workflows/state.ts `CARRY_MAX_BYTES`, also the
   * most it may be set to). Lower only where a test records the hold of a state over it in a small history.
   */
  carryMaxBytes?: number;
}

export interface JobInfo {
  jobId: string;
  slotId: string;
  /** the customer's tracking page, once an event's job carries one (Instaleap's create answers none) */
  trackingUrl?: string;
  deliveryCode?: string;
  /** the carrier's price (its rate card), in cents of `currency` */
  priceCents: number;
  currency?: string;
  startsAt: string;
  endsAt: string;
}

/** Our answer to VTEX's Create service (VTEX's guide expected response + labels). */
export interface CreateServiceAnswer {
  status: ServiceStatus;
  serviceId: string;
  shippingPrice: number | null;
  metaData: Record<string, unknown> | null;
  shippingEstimatedDate: string | null;
  labels: Label[];
  /** Workflow time (epoch ms) the answer was produced; the API compares it with its own clock. */
  producedAt: number;
}

export interface TimelineEntry {
  at: string;
  kind: 'status' | 'event' | 'report' | 'platform' | 'error' | 'note';
  message: string;
  eventId?: string;
  status?: DeliveryStatus;
}

export interface ReportFailure {
  at: string;
  call: string;
  error: string;
}

/** What GET /deliveries/:serviceId and the state query return. */
export interface DeliveryView extends Pick<
  DeliveryInput,
  'serviceId' | 'platform' | 'orderId' | 'carrierId' | 'routeId' | 'routeName'
> {
  status: DeliveryStatus;
  phase: DeliveryPhase;
  paused: boolean;
  /** The job's `client_reference` at the engine (the serviceId; the platform's order id for older deliveries). */
  clientReference: string;
  /** The job, without its delivery PIN (never shown outside the workflow). */
  job?: Omit<JobInfo, 'deliveryCode'>;
  lastError?: string;
  needsAttention: boolean;
  failedReports: ReportFailure[];
  pendingReports: number;
  /** Reports the platform refused, kept for an operator's `resend-refused`. */
  refusedReports: number;
  /** When the delivery last moved (its job created, a status change). */
  lastProgressAt?: string;
  /** What the platform was told and took (drift repair compares it with what the platform shows). */
  platformRecord?: PlatformRecord;
  timeline: TimelineEntry[];
  run: number;
}

export interface PlatformRecord {
  /** The driver the platform was last told of. */
  driverId?: string;
  /** Notes and evidences the platform took (a lower bound: the newest 50 calls are kept). */
  notes: number;
  evidences: number;
}

export type DeliveryPhase = 'creating' | 'waiting-confirmation' | 'active' | 'ended';

/**
 * Everything a delivery workflow knows, in one serialisable object: the workflow's modules read and
 * change it, the state query is built from it, and continue-as-new carries it whole (so a field
 * added here can never be left behind by a hand-written copy). Its fields are grouped by concern in
 * the interfaces below; the object stays flat, as the recorded histories carry it (a nested shape
 * would be a new continue-as-new input, docs/versioning.md).
 */
export interface DeliveryState extends CreationState, ConfirmationState, ProgressState, AttentionState, ReportsState {
  /** 1 for the first run, +1 at each continue-as-new. */
  run: number;
}

/** Making the job at the engine (workflows/creation.ts). */
export interface CreationState {
  job?: JobInfo;
  /** Why no job could be created; set once creation gave up. */
  creationFailure?: string;
  /** A `POST /jobs` may have reached the engine: a job may exist even if we never learnt its id. */
  createAttempted: boolean;
  /** The slot of the last `POST /jobs` sent (to learn an orphan job by its idempotent create). */
  lastSlotId?: string;
  /**
   * A job of this delivery the engine told us of by an event although creation never returned it:
   * made by a create whose workflow task was lost (a worker killed after its `POST /jobs`).
   * Canceled with the delivery, never left to a driver.
   */
  strayJobId?: string;
}

/** The platform's confirmation of our Create answer (contracts/confirmation.ts). */
export interface ConfirmationState {
  /** The platform confirmed our Create answer (its confirmation window passed). */
  confirmed: boolean;
  /** Earliest workflow time (epoch ms) the platform accepts calls; pushed later until confirmed. */
  confirmAt: number;
}

/** Where the delivery stands, and the messages that move it (workflows/inbox.ts, stateMachine.ts). */
export interface ProgressState {
  status: DeliveryStatus;
  /** Progress rank held before an INCIDENT or ON_HOLD interrupted it (workflows/stateMachine.ts). */
  rankBeforeInterruption?: number;
  phase: DeliveryPhase;
  paused: boolean;
  /** The platform validated its pickup PIN and the job left its hold (Abbiamo's PIN). */
  pickupReleased?: boolean;
  cancelRequested?: CancelRequest;
  /** A driver (resource) was on some event already. */
  agentAssigned: boolean;
  /** Workflow time (ISO) the delivery last moved: created its job, changed status (`LastProgressAt`). */
  progressAt?: string;
  /** Carrier events and platform commands not handled yet, in arrival order. */
  inbox: InboxItem[];
  /** Ids of the carrier events already handled, oldest first (bounded). */
  seenEventIds: string[];
  /** What happened, newest last (bounded): the state query's timeline. */
  timeline: TimelineEntry[];
}

/** What an operator is asked to look at (workflows/state.ts `flag`). */
export interface AttentionState {
  lastError?: string;
  needsAttention: boolean;
  failedReports: ReportFailure[];
}

/** Telling the platform (workflows/reporting.ts, reporters.ts). */
export interface ReportsState {
  /** Reports (platform calls) under way now. */
  reportsInFlight: number;
  /**
   * Platform calls decided but not yet taken by the platform, oldest first (the first may be under
   * way). Sent in order by their own lane, so platform commands never wait behind them.
   */
  outbox: OutgoingCall[];
  /**
   * Calls the platform refused for good, kept (bounded) for an operator's `resend-refused`; the
   * delivery stays open while any is kept, until an operator resends or dismisses them.
   */
  refused: OutgoingCall[];
  /** Calls the platform took, newest last (bounded): what a `repair` sends again. */
  sent: OutgoingCall[];
  /** The last `seq` given to a call queued in the outbox. */
  callSeq?: number;
  /** The `seq` of the newest call that set the platform's status and that the platform took. */
  statusTakenSeq?: number;
  reporterMemory: ReporterMemory;
}

/** A cancel sent to a delivery (the cancel signal's argument). */
export interface CancelOrder {
  reason: string;
  /**
   * The platform only cancels before the parcel is collected (Abbiamo): once the driver has it
   * (PICKED or later), the cancel is recorded and the delivery flagged for an operator instead of
   * stranding a driver with the parcel.
   */
  onlyBeforeCollection?: boolean;
  /** Set when an operator (not the platform) cancels: who. The platform is then told, as of any carrier cancel. */
  by?: string;
}

/** Who asked and why: every operator command carries both, and the delivery's timeline records them. */
export interface OperatorOrder {
  by: string;
  why: string;
}

/**
 * An operator's command to one delivery (the `operator` signal; also sent in bulk by a batch
 * operation). Each is handled in the delivery's inbox order and written in its timeline.
 * - `resend-refused`: every report the platform refused (kept, see `refusedReports`) goes again.
 * - `force-status`: the delivery moves to `status` and the platform is told, as of a carrier event.
 * - `repair`: what the platform shows drifted from the delivery (`drift` says how): the delivery's
 *   status, driver, notes and evidences are sent again (each call is idempotent at the platform).
 * - `clear-flag`: the operator looked; `NeedsAttention` goes back to false.
 */
export type OperatorCommand =
  | ({ action: 'resend-refused' } & OperatorOrder)
  | ({ action: 'force-status'; status: DeliveryStatus } & OperatorOrder)
  | ({ action: 'repair'; drift: string[] } & OperatorOrder)
  | ({ action: 'clear-flag' } & OperatorOrder);

export interface CancelRequest {
  reason: string;
  at: string;
}

/** What waits for the workflow's attention, in arrival order. */
/**
 * A carrier event as the delivery receives it: the job reduced to what the workflow reads, each
 * field bounded (api/eventForWorkflow.ts), and what of that was left out for being over its bound.
 */
export type WorkflowJobEvent = JobEvent & { trimmed?: string[] };

export type InboxItem =
  | { kind: 'event'; event: WorkflowJobEvent }
  | { kind: 'command'; command: PlatformCommand }
  | { kind: 'operator'; command: OperatorCommand & { at: string } };

export type PlatformCommand =
  | ({ kind: 'cancel'; at: string } & CancelOrder)
  | { kind: 'pause'; pause: boolean; reason: string; at: string; by?: string }
  | { kind: 'receiver'; change: ReceiverChange; at: string };

/**
 * The platform changed the receiver after its request (Abbiamo's ORDER_RECEIVER_UPDATE): only what
 * changed, in the engine's terms, for the job to follow.
 */
export type ReceiverChange = RecipientUpdateRequest;

/** The answer to the platform's pickup PIN validation: the driver unlocked, or why not. */
export type PickupRelease =
  { released: true } | { released: false; reason: 'no-pin' | 'wrong-pin' | 'no-job' | 'ended' | 'engine-refused' };

/** The confirmation rule's values (contracts/confirmation.ts), under the names the workflow reads. */
export const DEFAULT_CONFIRMATION_DELAY_MS = CONFIRMATION_DELAY_MS;
/** The workflow's margin on top of the delay (contracts/confirmation.ts: the intake's too). */
export const DEFAULT_CONFIRMATION_MARGIN_MS = CONFIRMATION_MARGIN_MS;
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 4000;
export const DEFAULT_REPORT_ATTENTION_AFTER_MS = 10 * 60_000;
export const DEFAULT_ENGINE_COMMAND_TIMEOUT_MS = 5 * 60_000;

/**
 * Our Create service answer for a delivery in `status` with `job` (when it exists): built here only,
 * by the workflow's update and by the API when the workflow cannot answer itself.
 */
export function createServiceAnswer(
  serviceId: string,
  status: DeliveryStatus,
  job: Pick<JobInfo, 'jobId' | 'trackingUrl' | 'priceCents' | 'endsAt'> | undefined,
): Omit<CreateServiceAnswer, 'producedAt'> {
  return {
    status,
    serviceId,
    // In cents, as VTEX takes every price.
    shippingPrice: job?.priceCents ?? null,
    metaData: {
      serviceId,
      ...(job ? { jobId: job.jobId } : {}),
      ...(job?.trackingUrl ? { trackingUrl: job.trackingUrl } : {}),
    },
    shippingEstimatedDate: job?.endsAt ?? null,
    labels: [],
  };
}
