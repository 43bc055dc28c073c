/**
 * A Delivery Engine job event to the VTEX tracking hook calls it needs (docs/partners.md "Delivery Engine"'s
 * table). Pure and import-free at run time: the workflow calls it. Order of calls follows the
 * seed's Get service timeline: the status first, then evidences, notes, labels.
 */
import type { JobEvent } from '../contracts/deliveryEngine';
import type {
  AgentVehicle,
  CancelHookRequest,
  Evidence,
  Label,
  Note,
  OnHoldHookRequest,
  ServiceStatus,
  TrackingUpdate,
} from '../contracts/vtex';
import { inlineLabelTooLarge, MAX_INLINE_LABEL_BYTES, utf8ByteLength } from '../contracts/vtexLimits';
import type { JobInfo } from '../contracts/delivery';

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
  movedTo?: ServiceStatus;
  /** The status the delivery is in after the event. */
  current: ServiceStatus;
  /** Whether a driver was ever assigned before this event. */
  agentEverAssigned: boolean;
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

/** The PATCH fields the event carries, besides the status. */
function trackingFields(event: JobEvent): Omit<TrackingUpdate, 'status'> {
  const r = event.resource;
  const vehicle = vehicleForVtex(r?.vehicle);
  return {
    ...(r
      ? {
          agent: {
            id: r.id,
            name: r.name,
            ...(r.identification ? { identification: r.identification } : {}),
            ...(r.phone ? { phone: r.phone } : {}),
            ...(vehicle ? { vehicle } : {}),
          },
        }
      : {}),
    ...(event.tracking_url ? { trackingUrl: event.tracking_url } : {}),
    ...(typeof event.distance_m === 'number' ? { totalDistanceTraveled: Math.round(event.distance_m) } : {}),
    ...(typeof event.rating === 'number' ? { rating: event.rating } : {}),
    ...(event.eta ? { shippingEstimatedDate: new Date(event.eta).toISOString() } : {}),
  };
}

export function vtexCallsForEvent(event: JobEvent, outcome: EventStatusOutcome): VtexCall[] {
  const calls: VtexCall[] = [];
  const author = event.resource?.name ?? DEFAULT_AUTHOR;
  const fields = trackingFields(event);
  const hasFields = Object.keys(fields).length > 0;
  const reason = event.reason?.trim() || undefined;
  // Every note of the event gets its own index, whichever call carries it.
  let noteIndex = 0;
  const noteRef = () => `${event.id}/note/${noteIndex++}`;

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
      if (event.type === 'RESCHEDULED' && event.eta && !isEnded(outcome.current)) {
        calls.push({ kind: 'patch', body: { shippingEstimatedDate: new Date(event.eta).toISOString() } });
      } else if (hasFields && isPatchable(outcome.current) && !isEnded(outcome.current)) {
        calls.push({ kind: 'patch', body: { status: outcome.current, ...fields } });
      }
      break;
    default:
      calls.push({ kind: 'patch', body: { status: outcome.movedTo as TrackingUpdate['status'], ...fields } });
  }

  if (event.type === 'RESCHEDULED') {
    const when = event.eta ? `to ${new Date(event.eta).toISOString()}` : 'to a date to be confirmed';
    calls.push({
      kind: 'notes',
      notes: [
        { type: 'COMMENT', note: `Delivery rescheduled ${when}${reason ? `: ${reason}` : ''}`, author, ref: noteRef() },
      ],
    });
  }
  if (event.type === 'REFUSED') {
    calls.push({
      kind: 'notes',
      notes: [{ type: 'ERROR', note: `Delivery refused${reason ? `: ${reason}` : ''}`, author, ref: noteRef() }],
    });
  }
  if (event.type === 'INCIDENT') {
    calls.push({
      kind: 'notes',
      notes: [{ type: 'ERROR', note: `Incident${reason ? `: ${reason}` : ''}`, author, ref: noteRef() }],
    });
  }

  if (event.evidences?.length) {
    calls.push({
      kind: 'evidences',
      evidences: event.evidences.map((e, i) => ({
        type: e.type,
        content: e.content,
        author: e.author ?? author,
        ref: `${event.id}/evidence/${i}`,
      })),
    });
  }
  if (event.notes?.length) {
    calls.push({
      kind: 'notes',
      notes: event.notes.map((n) => ({ type: n.type, note: n.note, author: n.author ?? author, ref: noteRef() })),
    });
  }
  for (const label of event.labels ?? []) {
    if (inlineLabelTooLarge(label)) {
      const kb = Math.ceil(utf8ByteLength(label.url) / 1024);
      calls.push({
        kind: 'notes',
        notes: [
          {
            type: 'ERROR',
            note: `Label "${label.name}" (${label.id}, ${label.type}, ${kb} KB) was not sent: VTEX accepts ${label.type} labels up to ${MAX_INLINE_LABEL_BYTES / 1024} KB. Ask the carrier for a PDF or ZPL label URL.`,
            author: DEFAULT_AUTHOR,
            ref: noteRef(),
          },
        ],
      });
    } else {
      calls.push({ kind: 'label', label: { id: label.id, url: label.url, name: label.name, type: label.type } });
    }
  }
  return calls;
}

/** The first report after the creation confirmation: the job as it stands. */
export function vtexFirstReport(job: JobInfo, status: ServiceStatus): VtexCall {
  return {
    kind: 'patch',
    body: {
      ...(isPatchable(status) ? { status } : {}),
      trackingUrl: job.trackingUrl,
      shippingPrice: job.price,
      shippingEstimatedDate: job.endsAt,
    },
  };
}

function isEnded(status: ServiceStatus): boolean {
  return status === 'DELIVERED' || status === 'RETURNED' || status === 'CANCELED';
}

function isPatchable(status: ServiceStatus): status is NonNullable<TrackingUpdate['status']> {
  return ['PENDING', 'ASSIGNED', 'PICKED', 'ON_ROUTE', 'INCIDENT', 'RETURNED', 'DELIVERED'].includes(status);
}
