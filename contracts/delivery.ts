/**
 * The delivery's own vocabulary: what a delivery workflow is given and what it exposes. Every layer
 * imports it (mapping, activities, workflows, the API, scripts); it imports only other contracts.
 * Types only (plus constants): the workflow bundle imports this, so no runtime dependency may creep in.
 */
import type { AvailabilityRequest, CreateJobRequest, JobEvent } from './deliveryEngine';
import type { Label, ServiceStatus } from './vtex';

export type Platform = 'vtex' | 'marketplace';

/** Everything the engine needs for the job, except the slot and the webhook (set at creation). */
export interface JobSpec {
  clientReference: string;
  availability: AvailabilityRequest;
  job: Omit<CreateJobRequest, 'slot_id' | 'client_reference' | 'external_data'>;
}

export interface VtexTarget {
  platform: 'vtex';
  carrierId: string;
  serviceId: string;
}

export interface MarketplaceTarget {
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
}

export type ReportTarget = VtexTarget | MarketplaceTarget;

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
  carried?: CarriedState;
}

export interface DeliveryTuning {
  /** How long after our Create service answer the platform accepts tracking calls (VTEX: 5 s). */
  confirmationDelayMs?: number;
  /** Safety margin on top of the confirmation delay, for the answer's trip back to the platform. */
  confirmationMarginMs?: number;
  /** Continue as new once history has this many events (Temporal's own suggestion also counts). */
  continueAsNewAfterEvents?: number;
}

export interface JobInfo {
  jobId: string;
  slotId: string;
  trackingUrl: string;
  deliveryCode?: string;
  price: number;
  startsAt: string;
  endsAt: string;
}

/** Our answer to VTEX's Create service (seed 003 expected response + labels). */
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
  status?: ServiceStatus;
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
  status: ServiceStatus;
  phase: 'creating' | 'waiting-confirmation' | 'active' | 'ended';
  paused: boolean;
  job?: JobInfo;
  lastError?: string;
  needsAttention: boolean;
  failedReports: ReportFailure[];
  pendingReports: number;
  timeline: TimelineEntry[];
  run: number;
}

/** State carried across continue-as-new. */
export interface CarriedState {
  status: ServiceStatus;
  rankBeforeInterruption?: number;
  job?: JobInfo;
  paused: boolean;
  confirmed: boolean;
  cancelRequested?: CancelRequest;
  seenEventIds: string[];
  /** Carrier events and platform commands not handled yet, in arrival order. */
  inbox: InboxItem[];
  agentAssigned: boolean;
  lastError?: string;
  needsAttention: boolean;
  failedReports: ReportFailure[];
  timeline: TimelineEntry[];
  run: number;
}

/**
 * What a platform's reporter remembers across events (the fields VTEX already holds, the last
 * `event_at` sent to Abbiamo), as plain JSON: part of the delivery's state, carried whole by
 * continue-as-new. Each reporter owns its own keys.
 */
export type ReporterMemory = Record<string, unknown>;

/** A cancel sent to a delivery (the cancel signal's argument). */
export interface CancelOrder {
  reason: string;
  /**
   * The platform only cancels before the parcel is collected (Abbiamo): once the driver has it
   * (PICKED or later), the cancel is recorded and the delivery flagged for an operator instead of
   * stranding a driver with the parcel.
   */
  onlyBeforeCollection?: boolean;
}

export interface CancelRequest {
  reason: string;
  at: string;
}

/** What waits for the workflow's attention, in arrival order. */
export type InboxItem = { kind: 'event'; event: JobEvent } | { kind: 'command'; command: PlatformCommand };

export type PlatformCommand =
  { kind: 'cancel'; reason: string; at: string } | { kind: 'pause'; pause: boolean; reason: string; at: string };

export const DEFAULT_CONFIRMATION_DELAY_MS = 5000;
export const DEFAULT_CONFIRMATION_MARGIN_MS = 300;
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 4000;

/** Failure detail of the job's first attempt when it failed before sending any POST /jobs. */
export const BEFORE_ANY_CREATE = 'before-any-create';
