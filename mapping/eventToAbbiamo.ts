/**
 * What Abbiamo is told (docs/marketplace.md "Status endpoints"): one `POST /v1/delivery/<endpoint>`
 * per step of the delivery. Pure and import-free at run time (type imports only): the workflow
 * calls it. Every function takes the delivery's Abbiamo memory (plain JSON kept in the workflow's
 * state) and returns the calls together with the memory after them, so the rules that span events
 * hold across retries, replays and continue-as-new:
 * - `event_at` is the engine event's own time, strictly increasing per delivery (Abbiamo silently
 *   drops an event dated like the previous one: an equal or earlier time is bumped 1 ms past the
 *   last one sent), and never before we received the DELIVERY_REQUEST;
 * - at most one terminal status (successful, returned, canceled); after it, only an earlier-dated
 *   non-terminal step, inside Abbiamo's 24-hour update window;
 * - the steps follow Abbiamo's documented sequences: a step back is not sent, a new attempt after a
 *   failed one is (`start-delivery → failed-to-deliver → start-delivery`), a return goes through
 *   `returning` before `returned`.
 */
import type { JobEvent } from '../contracts/deliveryEngine';
import { driverOf as jobDriver, driverPositionOf, etaOf, evidencesOf } from '../contracts/instaleapChoices';
import type { AbbiamoEndpoint, AbbiamoStatusBody } from '../contracts/abbiamo';
import type { JobInfo, AbbiamoTarget } from '../contracts/delivery';
import type { EventStatusOutcome } from './eventToVtex';

export type AbbiamoCall = { kind: 'status'; endpoint: AbbiamoEndpoint; body: AbbiamoStatusBody };

/** Where the delivery stands in Abbiamo's sequence, as far as we told it. */
export type AbbiamoStep =
  | 'confirmed'
  | 'driver-assigned'
  | 'collecting'
  | 'at-pickup'
  | 'collect-failed'
  | 'start-delivery'
  | 'delivery-failed'
  | 'returning';

export interface AbbiamoMemory {
  /** epoch ms of the newest `event_at` sent */
  lastEventAt?: number;
  step?: AbbiamoStep;
  /** the one terminal status sent: its endpoint, its `event_at` and the workflow time it was sent */
  terminal?: { endpoint: AbbiamoEndpoint; eventAt: number; sentAt: number };
  /** `collect_verification_code` went with a step from the heading-to-pickup on */
  collectCodeSent?: boolean;
}

export interface AbbiamoPlan {
  calls: AbbiamoCall[];
  memory: AbbiamoMemory;
}

export const ABBIAMO_TERMINAL_ENDPOINTS: readonly AbbiamoEndpoint[] = ['successful', 'returned', 'canceled'];
/** How long after the terminal status Abbiamo takes earlier-dated non-terminal events. */
export const ABBIAMO_UPDATE_WINDOW_MS = 24 * 3600_000;

/**
 * Cancels Abbiamo itself sent (CANCELLATION_REQUEST) carry this prefix in their reason: the
 * delivery is then canceled without telling Abbiamo what it already knows. Any other cancel (an
 * operator's) is reported as `canceled`.
 */
export const ABBIAMO_CANCEL_PREFIX = 'Abbiamo CANCELLATION_REQUEST';

/** Sub-statuses of ours where Abbiamo's docs name none (docs/marketplace.md). */
export const ABBIAMO_SUB_STATUS = {
  driverAssigned: 'DRIVER_ASSIGNED',
  rescheduled: 'RESCHEDULED',
  onHold: 'ON_HOLD',
  collectFailed: 'collect-failed',
  recipientAbsent: 'recipient-absent',
  deliveryRefused: 'delivery-refused',
  deliveryFailed: 'delivery-failed',
  carrierCanceled: 'CARRIER_CANCELED',
  carrierUnavailable: 'CARRIER_UNAVAILABLE',
} as const;

const REASON_LIMIT = 500;

/** From which steps each step may be sent (undefined: before the confirmation was planned). */
const ALLOWED_FROM: Record<AbbiamoStep, ReadonlyArray<AbbiamoStep | undefined>> = {
  confirmed: [undefined],
  'driver-assigned': [undefined, 'confirmed'],
  collecting: [undefined, 'confirmed', 'driver-assigned', 'collect-failed'],
  'at-pickup': [undefined, 'confirmed', 'driver-assigned', 'collecting', 'collect-failed'],
  'collect-failed': [undefined, 'confirmed', 'driver-assigned', 'collecting', 'at-pickup'],
  'start-delivery': [
    undefined,
    'confirmed',
    'driver-assigned',
    'collecting',
    'at-pickup',
    'collect-failed',
    'delivery-failed',
  ],
  'delivery-failed': ['start-delivery'],
  returning: ['delivery-failed', 'start-delivery'],
};

function isTerminalEndpoint(endpoint: AbbiamoEndpoint): boolean {
  return ABBIAMO_TERMINAL_ENDPOINTS.includes(endpoint);
}

function clip(text: string): string {
  return text.length > REASON_LIMIT ? `${text.slice(0, REASON_LIMIT - 3)}...` : text;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** One step to send: endpoint, the step it brings the delivery to (none: news only), its details. */
interface Wanted {
  endpoint: AbbiamoEndpoint;
  step?: AbbiamoStep;
  extra?: Partial<AbbiamoStatusBody>;
}

/**
 * Dates and records the wanted steps in order. `at` is the time the step happened (the engine
 * event's, or workflow time for our own decisions); `now` is workflow time (the 24-hour window).
 */
function plan(target: AbbiamoTarget, memory: AbbiamoMemory, wanted: Wanted[], at: number, now: number): AbbiamoPlan {
  const m: AbbiamoMemory = { ...memory, ...(memory.terminal ? { terminal: { ...memory.terminal } } : {}) };
  const calls: AbbiamoCall[] = [];
  const floor = target.requestedAt ? Date.parse(target.requestedAt) : Number.NEGATIVE_INFINITY;
  for (const w of wanted) {
    const terminal = isTerminalEndpoint(w.endpoint);
    let eventAt: number;
    if (m.terminal) {
      // After the terminal: never a second one; an earlier-dated step only, inside the window.
      if (terminal) continue;
      if (now - m.terminal.sentAt > ABBIAMO_UPDATE_WINDOW_MS) continue;
      eventAt = Math.max(at, floor);
      if (eventAt >= m.terminal.eventAt || eventAt === m.lastEventAt) continue;
    } else {
      eventAt = Math.max(at, floor);
      if (m.lastEventAt !== undefined && eventAt <= m.lastEventAt) eventAt = m.lastEventAt + 1;
      m.lastEventAt = eventAt;
    }
    if (w.step) m.step = w.step;
    if (terminal) m.terminal = { endpoint: w.endpoint, eventAt, sentAt: now };
    calls.push({
      kind: 'status',
      endpoint: w.endpoint,
      body: { delivery_id: target.deliveryId, event_at: iso(eventAt), ...w.extra },
    });
  }
  return { calls, memory: m };
}

/** Driver name, phone and vehicle of the job's resource (contracts/instaleapChoices.ts). */
function driverOf(event: JobEvent): Partial<AbbiamoStatusBody> {
  const r = jobDriver(event.job);
  if (!r) return {};
  return {
    driver_name: (r.name ?? r.id).slice(0, 200),
    ...(r.phone ? { driver_phone: r.phone.slice(0, 32) } : {}),
    ...(r.vehicle ? { vehicle: r.vehicle.slice(0, 200) } : {}),
  };
}

/**
 * Proof of delivery for `successful`: the engine's image evidences (links) and its text ones (what
 * the driver wrote, such as who received). The field names are our guess (contracts/abbiamo.ts
 * AbbiamoStatusBody).
 */
function proofOf(event: JobEvent): Partial<AbbiamoStatusBody> {
  const evidences = evidencesOf(event.job);
  const images = evidences.filter((e) => e.type === 'IMAGE').map((e) => e.content.slice(0, 2048));
  const notes = evidences.filter((e) => e.type === 'TEXT').map((e) => e.content);
  return {
    ...(images.length > 0 ? { proof_of_delivery_urls: images.slice(0, 10) } : {}),
    ...(notes.length > 0 ? { proof_of_delivery_note: clip(notes.join(' | ')) } : {}),
  };
}

/** The receiver on `successful`: who the parcel was for (field names our guess, contracts/abbiamo.ts). */
function receiverOf(target: AbbiamoTarget): Partial<AbbiamoStatusBody> {
  const receiver = target.receiver;
  if (!receiver) return {};
  return {
    receiver_name: receiver.name.slice(0, 200),
    ...(receiver.document ? { receiver_document: receiver.document.slice(0, 32) } : {}),
  };
}

function etaAs(key: 'pickup_eta' | 'destination_eta', event: JobEvent): Partial<AbbiamoStatusBody> {
  const eta = etaOf(event.job);
  return eta ? { [key]: iso(Date.parse(eta)) } : {};
}

/** A RESCHEDULED job's new promise: its `end_time`, else its eta. */
function rescheduledEta(event: JobEvent): Partial<AbbiamoStatusBody> {
  const end = event.job.end_time;
  return end && Number.isFinite(Date.parse(end))
    ? { destination_eta: iso(Date.parse(end)) }
    : etaAs('destination_eta', event);
}

/**
 * `POST /v1/delivery/confirmed` as soon as the job exists: our job id, the slot as pickup and
 * destination ETAs, the price, the tracking page, and the pickup code we made.
 */
export function abbiamoConfirm(target: AbbiamoTarget, memory: AbbiamoMemory, job: JobInfo, now: number): AbbiamoPlan {
  const extra: Partial<AbbiamoStatusBody> = {
    external_id: job.jobId,
    pickup_eta: iso(Date.parse(job.startsAt)),
    destination_eta: iso(Date.parse(job.endsAt)),
    price: Math.max(0, Math.round(job.priceCents)),
    ...(job.trackingUrl ? { tracking_url: job.trackingUrl } : {}),
    ...(target.pickupCode ? { collect_verification_code: target.pickupCode } : {}),
  };
  if (memory.step !== undefined) return { calls: [], memory };
  return plan(target, memory, [{ endpoint: 'confirmed', step: 'confirmed', extra }], now, now);
}

/** The failed-attempt reason Abbiamo names (`recipient-absent`, `delivery-refused`), else ours. */
export function failureSubStatus(event: JobEvent, why?: string): string {
  if (event.type === 'REFUSED') return ABBIAMO_SUB_STATUS.deliveryRefused;
  const reason = (why ?? '').toLowerCase();
  if (/absent|ausente|not (at )?home|nobody|no one|ninguém/.test(reason)) return ABBIAMO_SUB_STATUS.recipientAbsent;
  if (/refus|recus/.test(reason)) return ABBIAMO_SUB_STATUS.deliveryRefused;
  return ABBIAMO_SUB_STATUS.deliveryFailed;
}

/**
 * The steps one event stands for, given where the delivery stands (`step`). `why` is an operator's
 * reason when the event stands for a forced status (INCIDENT, ON_HOLD, RETURNED: workflows/operator.ts).
 */
function wantedFor(event: JobEvent, step: AbbiamoStep | undefined, why?: string): Wanted[] {
  const reasonOf = (fallback: string): Partial<AbbiamoStatusBody> => {
    const given = why?.trim();
    return { reason: clip(given ? given : fallback) };
  };
  const may = (next: AbbiamoStep) => ALLOWED_FROM[next].includes(step);
  switch (event.type) {
    case 'ALLOCATED':
      return may('driver-assigned')
        ? [
            {
              endpoint: 'handling',
              step: 'driver-assigned',
              extra: { sub_status: ABBIAMO_SUB_STATUS.driverAssigned, ...driverOf(event) },
            },
          ]
        : [];
    case 'RE_ALLOCATED':
      // A new driver is news at any stage; it does not move the delivery.
      if (!jobDriver(event.job)) return [];
      return [
        {
          endpoint: 'handling',
          ...(may('driver-assigned') ? { step: 'driver-assigned' as const } : {}),
          extra: { sub_status: ABBIAMO_SUB_STATUS.driverAssigned, ...driverOf(event) },
        },
      ];
    case 'GOING_TO_ORIGIN_STARTED':
      if (may('collecting'))
        return [
          {
            endpoint: 'collecting-delivery',
            step: 'collecting',
            extra: { ...driverOf(event), ...etaAs('pickup_eta', event) },
          },
        ];
      // Heading back to the seller after a failed attempt: the return is under way.
      if (step === 'delivery-failed') return [{ endpoint: 'returning', step: 'returning', extra: driverOf(event) }];
      return [];
    case 'ARRIVED_TO_ORIGIN':
      return may('at-pickup') ? [{ endpoint: 'at-pickup-point', step: 'at-pickup', extra: driverOf(event) }] : [];
    case 'GOING_TO_DESTINATION_STARTED':
    case 'ARRIVED_TO_DESTINATION':
    case 'DELIVERING_STARTED':
      // One start-delivery per attempt, whichever of the engine's on-route steps comes first.
      return may('start-delivery')
        ? [
            {
              endpoint: 'start-delivery',
              step: 'start-delivery',
              extra: { ...driverOf(event), ...etaAs('destination_eta', event) },
            },
          ]
        : [];
    case 'CLIENT_RECEIVED':
      return [{ endpoint: 'successful', extra: { ...driverOf(event), ...proofOf(event) } }];
    case 'REFUSED':
    case 'INCIDENT':
      if (may('delivery-failed'))
        return [
          {
            endpoint: 'failed-to-deliver',
            step: 'delivery-failed',
            extra: { sub_status: failureSubStatus(event, why), ...reasonOf('Delivery attempt failed') },
          },
        ];
      // Before the parcel left the seller: Abbiamo's COLLECT_FAILED.
      if (may('collect-failed'))
        return [
          {
            endpoint: 'failed-to-deliver',
            step: 'collect-failed',
            extra: { sub_status: ABBIAMO_SUB_STATUS.collectFailed, ...reasonOf('Collection failed') },
          },
        ];
      return [];
    case 'RETURNED':
      return [
        ...(step === 'returning' ? [] : [{ endpoint: 'returning' as const, step: 'returning' as const }]),
        { endpoint: 'returned', ...(why?.trim() ? { extra: reasonOf('') } : {}) },
      ];
    case 'CANCELLED':
      return [
        {
          endpoint: 'canceled',
          extra: { sub_status: ABBIAMO_SUB_STATUS.carrierCanceled, ...reasonOf('Canceled by the carrier') },
        },
      ];
    case 'RESCHEDULED':
      return [
        {
          endpoint: 'handling',
          extra: {
            sub_status: ABBIAMO_SUB_STATUS.rescheduled,
            ...rescheduledEta(event),
            ...reasonOf('Delivery rescheduled'),
          },
        },
      ];
    case 'ON_HOLD':
      return [
        {
          endpoint: 'handling',
          extra: { sub_status: ABBIAMO_SUB_STATUS.onHold, ...reasonOf('On hold at the carrier') },
        },
      ];
    default:
      // Picking, checkout, invoicing, packages, task resets (a task starts over, the delivery goes
      // on): the carrier's own steps, recorded in the timeline.
      return [];
  }
}

/** The pickup code goes once with the first step from the heading-to-pickup on. */
const CODE_STEPS: readonly AbbiamoEndpoint[] = ['collecting-delivery', 'at-pickup-point', 'start-delivery'];

/**
 * The calls of one carrier event. The delivery's own status machine (workflows/stateMachine.ts)
 * already dropped duplicates; Abbiamo's sequence is kept here, from the memory's `step`.
 */
export function abbiamoCallsForEvent(
  target: AbbiamoTarget,
  memory: AbbiamoMemory,
  event: JobEvent,
  outcome: EventStatusOutcome,
  now: number,
): AbbiamoPlan {
  const wanted = wantedFor(event, memory.step, outcome.reason);
  // Where the driver is, on every call of the event, when the engine says (Abbiamo: "shipper
  // latitude/longitude on time of checkpoint").
  const position = driverPositionOf(event.job);
  if (position) for (const w of wanted) w.extra = { ...position, ...w.extra };
  for (const w of wanted) if (w.endpoint === 'successful') w.extra = { ...w.extra, ...receiverOf(target) };
  if (target.pickupCode && !memory.collectCodeSent && !memory.terminal) {
    const first = wanted.find((w) => CODE_STEPS.includes(w.endpoint));
    if (first) first.extra = { ...first.extra, collect_verification_code: target.pickupCode };
  }
  const out = plan(target, memory, wanted, Date.parse(event.created_at), now);
  const sentCode = out.calls.some((c) => c.body.collect_verification_code !== undefined);
  return { calls: out.calls, memory: { ...out.memory, ...(sentCode ? { collectCodeSent: true } : {}) } };
}

/** No job could be had in time: Abbiamo hears it as a carrier cancel, with why, for the seller. */
export function abbiamoCreationFailed(
  target: AbbiamoTarget,
  memory: AbbiamoMemory,
  reason: string,
  now: number,
): AbbiamoPlan {
  return plan(
    target,
    memory,
    [
      {
        endpoint: 'canceled',
        extra: {
          sub_status: ABBIAMO_SUB_STATUS.carrierUnavailable,
          reason: clip(`The carrier could not schedule the delivery: ${reason}`),
        },
      },
    ],
    now,
    now,
  );
}

/**
 * Canceled on a command. Abbiamo's own CANCELLATION_REQUEST (seller, timeout): nothing to tell it.
 * An operator's cancel: `canceled`, so the seller knows.
 */
export function abbiamoCanceledOnRequest(
  target: AbbiamoTarget,
  memory: AbbiamoMemory,
  reason: string,
  now: number,
): AbbiamoPlan {
  if (reason.startsWith(ABBIAMO_CANCEL_PREFIX)) return { calls: [], memory };
  return plan(
    target,
    memory,
    [{ endpoint: 'canceled', extra: { sub_status: ABBIAMO_SUB_STATUS.carrierCanceled, reason: clip(reason) } }],
    now,
    now,
  );
}

/** The reason a CANCELLATION_REQUEST puts on the delivery's cancel. */
export function abbiamoCancelReason(subStatus: string, supportId?: string | null): string {
  return `${ABBIAMO_CANCEL_PREFIX} ${subStatus}${supportId ? ` (support ${supportId})` : ''}`;
}
