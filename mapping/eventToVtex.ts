/**
 * An Instaleap job event to the VTEX tracking hook calls it needs (docs/partners.md "Delivery Engine"'s
 * table). Pure and free of zod at run time: the workflow calls it. Order of calls follows the
 * seed's Get service timeline: the status first, then evidences, then notes. The driver, eta and
 * proof of delivery are read from the event's job (contracts/instaleapChoices.ts says where).
 */
import type { JobEvent } from '../contracts/deliveryEngine';
import { driverOf, etaOf, evidencesOf, trackingUrlOf } from '../contracts/instaleapChoices';
import { isTaskReset } from '../contracts/jobEventTypes';
import type {
  AgentVehicle,
  CancelHookRequest,
  Evidence,
  Label,
  Note,
  OnHoldHookRequest,
  TrackingUpdate,
} from '../contracts/vtex';
import type { DeliveryStatus, JobInfo } from '../contracts/delivery';

/**
 * What names a post by the event that asked for it: `<event id>/<what>/<index>`. VTEX gives notes,
 * evidences and on-holds no id and takes no idempotency key, so the activity writes a marker
 * derived from it into the post (activities/vtex.ts) and, before posting, reads the service back
 * for that marker: a post is identified by its event, not by its text (docs/specification.md "Exactly once at VTEX").
 * Absent on posts no event asked for (the creation failure's note): those match by their text.
 */
export interface PostRef {
  ref?: string;
}
export type NoteToPost = Note & PostRef;
export type EvidenceToPost = Evidence & PostRef;
export type OnHoldToPost = OnHoldHookRequest & PostRef;

export type VtexCall =
  | { kind: 'patch'; body: TrackingUpdate }
  | { kind: 'notes'; notes: NoteToPost[] }
  | { kind: 'evidences'; evidences: EvidenceToPost[] }
  | { kind: 'label'; label: Label }
  | { kind: 'cancel'; body: CancelHookRequest }
  | { kind: 'onHold'; body: OnHoldToPost }
  /** The carrier's own label of every package (PDF and ZPL), signed by the activity: docs/labels.md. */
  | { kind: 'packageLabels'; packages: number };

/** What the workflow decided for the event's status (from workflows/stateMachine.ts). */
export interface EventStatusOutcome {
  /** The status the delivery moved to, or undefined when it did not move. */
  movedTo?: DeliveryStatus;
  /** The status the delivery is in after the event. */
  current: DeliveryStatus;
  /** Whether a driver was ever assigned before this event. */
  agentEverAssigned: boolean;
  /** Why, when an operator forced the status (workflows/operator.ts); Instaleap's events carry none. */
  reason?: string;
}

const DEFAULT_AUTHOR = 'Carrier';

const VEHICLES: Record<string, AgentVehicle> = {
  scooter: 'SCOOTER',
  motorcycle: 'SCOOTER',
  motorbike: 'SCOOTER',
  moto: 'SCOOTER',
  motocicleta: 'SCOOTER',
  van: 'VAN',
  car: 'CAR',
  auto: 'CAR',
  carro: 'CAR',
  truck: 'TRUCK',
  camion: 'TRUCK',
  camión: 'TRUCK',
  caminhao: 'TRUCK',
  bike: 'BIKE',
  bicycle: 'BIKE',
  bicicleta: 'BIKE',
  bici: 'BIKE',
  walk: 'WALK',
  walking: 'WALK',
  foot: 'WALK',
  on_foot: 'WALK',
  drone: 'DRONE',
};

export function vehicleForVtex(raw: string | null | undefined): AgentVehicle | undefined {
  if (!raw) return undefined;
  return VEHICLES[raw.trim().toLowerCase()];
}

const CLIENT_REASON = /client|customer|cliente|buyer|comprador|consumidor/i;

export function cancelTypeFor(
  reason: string | null | undefined,
  agentEverAssigned: boolean,
): CancelHookRequest['type'] {
  if (reason && CLIENT_REASON.test(reason)) return 'END_CLIENT_CANCELED';
  if (!agentEverAssigned) return 'NO_THERE_DELIVERY_MAN_ASSIGN';
  return 'OTHER';
}

export function onHoldTypeFor(reason: string | null | undefined): OnHoldHookRequest['type'] {
  return reason && CLIENT_REASON.test(reason) ? 'END_CLIENT_PAUSE' : 'OTHER';
}

/** The PATCH fields the event's job carries, besides the status. */
function trackingFields(event: JobEvent): Omit<TrackingUpdate, 'status'> {
  const driver = driverOf(event.job);
  const vehicle = vehicleForVtex(driver?.vehicle);
  const trackingUrl = trackingUrlOf(event.job);
  const eta = etaOf(event.job);
  return {
    ...(driver
      ? {
          agent: {
            id: driver.id,
            name: driver.name ?? driver.id,
            ...(driver.phone ? { phone: driver.phone } : {}),
            ...(vehicle ? { vehicle } : {}),
          },
        }
      : {}),
    ...(trackingUrl ? { trackingUrl } : {}),
    ...(eta ? { shippingEstimatedDate: eta } : {}),
  };
}

/** A RESCHEDULED job's new promise: its `end_time`, else its eta. */
export function rescheduledTo(event: JobEvent): string | undefined {
  const end = event.job.end_time;
  return end && Number.isFinite(Date.parse(end)) ? new Date(end).toISOString() : etaOf(event.job);
}

/** Whether the event tells of a failure the platform hears as an ERROR note (REFUSED, TASK_RESET_*, a forced INCIDENT). */
export function isTrouble(event: JobEvent, outcome: EventStatusOutcome): boolean {
  return (
    event.type === 'REFUSED' ||
    isTaskReset(event.type) ||
    (outcome.movedTo === 'INCIDENT' && outcome.reason !== undefined)
  );
}

export function vtexCallsForEvent(event: JobEvent, outcome: EventStatusOutcome): VtexCall[] {
  const calls: VtexCall[] = [];
  const driver = driverOf(event.job);
  const author = driver?.name ?? DEFAULT_AUTHOR;
  const fields = trackingFields(event);
  const hasFields = Object.keys(fields).length > 0;
  const reason = outcome.reason?.trim() || undefined;
  // Every note of the event gets its own index, whichever call carries it.
  let noteIndex = 0;
  const noteRef = () => `${event.id}/note/${noteIndex++}`;
  const newDate = event.type === 'RESCHEDULED' ? rescheduledTo(event) : undefined;

  switch (outcome.movedTo) {
    case 'CANCELED':
      calls.push({
        kind: 'cancel',
        body: { type: cancelTypeFor(reason, outcome.agentEverAssigned), ...(reason ? { comment: reason } : {}) },
      });
      break;
    case 'ON_HOLD':
      calls.push({
        kind: 'onHold',
        body: { type: onHoldTypeFor(reason), ...(reason ? { comment: reason } : {}), ref: `${event.id}/on-hold/0` },
      });
      break;
    case undefined:
      // No move (the same status, or a late step the state machine refused): its details (a new
      // driver, an eta) still count, reported under the status the delivery is in.
      if (newDate && !isEnded(outcome.current)) {
        calls.push({ kind: 'patch', body: { shippingEstimatedDate: newDate } });
      } else if (hasFields && isPatchable(outcome.current) && !isEnded(outcome.current)) {
        calls.push({ kind: 'patch', body: { status: outcome.current, ...fields } });
      }
      break;
    default:
      calls.push({ kind: 'patch', body: { status: outcome.movedTo as TrackingUpdate['status'], ...fields } });
  }

  if (event.type === 'RESCHEDULED') {
    const when = newDate ? `to ${newDate}` : 'to a date to be confirmed';
    calls.push({
      kind: 'notes',
      notes: [{ type: 'COMMENT', note: `Delivery rescheduled ${when}`, author, ref: noteRef() }],
    });
  }
  if (isTrouble(event, outcome)) {
    const what =
      event.type === 'REFUSED'
        ? 'Delivery refused'
        : isTaskReset(event.type)
          ? `Task started over (${event.type})`
          : 'Incident';
    calls.push({
      kind: 'notes',
      notes: [{ type: 'ERROR', note: `${what}${reason ? `: ${reason}` : ''}`, author, ref: noteRef() }],
    });
  }

  // Proof of delivery: with the delivery, when the job carries it.
  const evidences = outcome.movedTo === 'DELIVERED' || event.type === 'CLIENT_RECEIVED' ? evidencesOf(event.job) : [];
  if (evidences.length) {
    calls.push({
      kind: 'evidences',
      evidences: evidences.map((e, i) => ({
        type: e.type,
        content: e.content,
        author: e.author ?? author,
        ref: `${event.id}/evidence/${i}`,
      })),
    });
  }
  return calls;
}

/** The first report after the creation confirmation: the job as it stands. */
export function vtexFirstReport(job: JobInfo, status: DeliveryStatus): VtexCall {
  return {
    kind: 'patch',
    body: {
      ...(isPatchable(status) ? { status } : {}),
      ...(job.trackingUrl ? { trackingUrl: job.trackingUrl } : {}),
      // In cents, as VTEX takes every price.
      shippingPrice: job.priceCents,
      shippingEstimatedDate: job.endsAt,
    },
  };
}

function isEnded(status: DeliveryStatus): boolean {
  return status === 'DELIVERED' || status === 'RETURNED' || status === 'CANCELED';
}

function isPatchable(status: DeliveryStatus): status is NonNullable<TrackingUpdate['status']> {
  return ['PENDING', 'ASSIGNED', 'PICKED', 'ON_ROUTE', 'INCIDENT', 'RETURNED', 'DELIVERED'].includes(status);
}
