/**
 * The deliveries Abbiamo (this sandbox) sent to its carrier, and the rules its status endpoints
 * enforce (docs/marketplace.md), applied to each status call in arrival order:
 * - `event_at` before the delivery was created: EVENT_AT_BEFORE_DELIVERY_CREATED_AT;
 * - the same `event_at` as the previous accepted event: dropped silently (answered 200);
 * - after the terminal status: a second terminal is EVENT_CANNOT_BE_TERMINAL_AGAIN, an event dated
 *   after the terminal EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS, an earlier-dated one more than 24 h
 *   after the terminal EVENT_NOT_IN_UPDATE_TIME_WINDOW.
 * Refusals are answered 422 `{code, message}` (our choice: Abbiamo documents the codes, not the
 * HTTP status). An event dated before the previous one is taken but marked `outOfOrder`, so tests
 * can prove we never send one.
 */
import type { AbbiamoEndpoint, AbbiamoRefusalCode, AbbiamoStatusBody } from '../../contracts/abbiamo';
import { ABBIAMO_TERMINAL_ENDPOINTS, ABBIAMO_UPDATE_WINDOW_MS } from '../../mapping/eventToAbbiamo';

/** Abbiamo's statuses (docs/marketplace.md "Statuses"). */
export type AbbiamoStatus =
  | 'PENDING'
  | 'DISPATCHED'
  | 'IN_TRANSIT'
  | 'COLLECTED'
  | 'START_DELIVERY'
  | 'SUCCESSFUL'
  | 'FAILED'
  | 'RETURNING'
  | 'RETURNED'
  | 'ORDER_FAILED';

export interface ReceivedStatus {
  endpoint: AbbiamoEndpoint;
  body: AbbiamoStatusBody;
  receivedAt: string;
  outcome: 'accepted' | 'dropped' | 'refused';
  code?: AbbiamoRefusalCode;
  /** accepted although dated before the previous accepted event */
  outOfOrder?: boolean;
  /** every header of the DELIVERY_REQUEST's logistic_data.headers came with the call */
  eventHeaders: boolean;
}

export interface SandboxCancellation {
  subStatus: 'SELLER_CANCELED' | 'CARRIER_TIMEOUT';
  at: string;
  /** what our intake answered */
  answer: { status: number; body: unknown } | { error: string };
}

export interface SandboxDelivery {
  deliveryId: string;
  orderNumber: string;
  tracking: string | null;
  seller: { id: string | null; name: string | null; documentNumber: string | null; groupId: string | null };
  createdAt: string;
  status: AbbiamoStatus;
  subStatus: string | null;
  confirmed: boolean;
  externalId: string | null;
  collectVerificationCode: string | null;
  driver: { name?: string; phone?: string; document?: string; vehicle?: string } | null;
  /** the one terminal status: who set it (the carrier's call, or Abbiamo's own cancel) and when */
  terminal: { endpoint: AbbiamoEndpoint; eventAt: string; at: string } | null;
  /** the intake refused the DELIVERY_REQUEST: its abbiamo_error, shown to the seller */
  refused: string | null;
  events: ReceivedStatus[];
  cancellations: SandboxCancellation[];
  /** logistic_data.headers of the request (kept to check our status calls carry them) */
  headers: Record<string, string>;
}

/** One row of the sandbox's delivery list (`GET /_sandbox/deliveries`). */
export interface SandboxDeliveryRow {
  deliveryId: string;
  status: AbbiamoStatus;
  subStatus: string | null;
  confirmed: boolean;
  events: number;
}

const STATUS_OF: Record<AbbiamoEndpoint, [AbbiamoStatus, string | null] | null> = {
  confirmed: ['DISPATCHED', 'CARRIER_CONFIRMED'],
  handling: null,
  'collecting-delivery': ['IN_TRANSIT', 'COLLECTING'],
  'at-pickup-point': ['IN_TRANSIT', 'AT_PICKUP_POINT'],
  'start-delivery': ['START_DELIVERY', null],
  successful: ['SUCCESSFUL', 'DELIVERED'],
  'failed-to-deliver': ['FAILED', 'DELIVERY_FAILED'],
  returning: ['RETURNING', null],
  returned: ['RETURNED', null],
  canceled: ['ORDER_FAILED', 'CARRIER_CANCELED'],
};

/** Statuses from which a seller may cancel: before collection, or after a failed collection. */
export function sellerMayCancel(delivery: SandboxDelivery): boolean {
  if (delivery.terminal) return false;
  if (delivery.status === 'FAILED') return delivery.subStatus === 'COLLECT_FAILED';
  return delivery.status === 'PENDING' || delivery.status === 'DISPATCHED' || delivery.status === 'IN_TRANSIT';
}

export type Judgement =
  | { outcome: 'accepted'; outOfOrder: boolean }
  | { outcome: 'dropped' }
  | { outcome: 'refused'; code: AbbiamoRefusalCode; message: string };

export class DeliveryStore {
  private readonly byId = new Map<string, SandboxDelivery>();

  add(delivery: SandboxDelivery): void {
    this.byId.set(delivery.deliveryId, delivery);
  }

  get(deliveryId: string): SandboxDelivery | undefined {
    return this.byId.get(deliveryId);
  }

  /** A copy, safe to hand out. */
  view(deliveryId: string): SandboxDelivery | undefined {
    const delivery = this.byId.get(deliveryId);
    if (!delivery) return undefined;
    const { headers: _headers, ...rest } = delivery;
    return structuredClone({ ...rest, headers: {} });
  }

  rows(): SandboxDeliveryRow[] {
    return [...this.byId.values()].map((d) => ({
      deliveryId: d.deliveryId,
      status: d.status,
      subStatus: d.subStatus,
      confirmed: d.confirmed,
      events: d.events.length,
    }));
  }

  /** Abbiamo's rules for one status call, without recording it. */
  judge(delivery: SandboxDelivery, endpoint: AbbiamoEndpoint, body: AbbiamoStatusBody, now: number): Judgement {
    const eventAt = Date.parse(body.event_at);
    if (eventAt < Date.parse(delivery.createdAt)) {
      return refusal('EVENT_AT_BEFORE_DELIVERY_CREATED_AT', `event_at is before the delivery (${delivery.createdAt})`);
    }
    const accepted = delivery.events.filter((e) => e.outcome === 'accepted');
    const last = accepted[accepted.length - 1];
    if (last && Date.parse(last.body.event_at) === eventAt) return { outcome: 'dropped' };
    if (delivery.terminal) {
      if (ABBIAMO_TERMINAL_ENDPOINTS.includes(endpoint))
        return refusal('EVENT_CANNOT_BE_TERMINAL_AGAIN', `the delivery already ended (${delivery.terminal.endpoint})`);
      if (eventAt > Date.parse(delivery.terminal.eventAt))
        return refusal('EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS', `event_at is after the terminal status`);
      if (now - Date.parse(delivery.terminal.at) > ABBIAMO_UPDATE_WINDOW_MS)
        return refusal('EVENT_NOT_IN_UPDATE_TIME_WINDOW', 'more than 24 hours after the terminal status');
    }
    return { outcome: 'accepted', outOfOrder: last !== undefined && eventAt < Date.parse(last.body.event_at) };
  }

  /** Records a judged call and, when it was accepted, what it changes. */
  record(
    delivery: SandboxDelivery,
    endpoint: AbbiamoEndpoint,
    body: AbbiamoStatusBody,
    judgement: Judgement,
    eventHeaders: boolean,
    now: number,
  ): void {
    delivery.events.push({
      endpoint,
      body,
      receivedAt: new Date(now).toISOString(),
      outcome: judgement.outcome,
      ...(judgement.outcome === 'refused' ? { code: judgement.code } : {}),
      ...(judgement.outcome === 'accepted' && judgement.outOfOrder ? { outOfOrder: true } : {}),
      eventHeaders,
    });
    if (judgement.outcome !== 'accepted') return;
    if (endpoint === 'confirmed') {
      delivery.confirmed = true;
      delivery.externalId = body.external_id ?? null;
    }
    if (body.collect_verification_code) delivery.collectVerificationCode = body.collect_verification_code;
    if (body.driver_name) {
      delivery.driver = {
        name: body.driver_name,
        ...(body.driver_phone ? { phone: body.driver_phone } : {}),
        ...(body.driver_document ? { document: body.driver_document } : {}),
        ...(body.vehicle ? { vehicle: body.vehicle } : {}),
      };
    }
    // A late update after the terminal status completes the history; it does not move the status.
    if (delivery.terminal) return;
    const next = STATUS_OF[endpoint];
    if (next) {
      delivery.status = next[0];
      delivery.subStatus =
        endpoint === 'failed-to-deliver' && body.sub_status === 'collect-failed' ? 'COLLECT_FAILED' : next[1];
    } else if (body.sub_status) {
      delivery.subStatus = body.sub_status;
    }
    if (ABBIAMO_TERMINAL_ENDPOINTS.includes(endpoint)) {
      delivery.terminal = { endpoint, eventAt: body.event_at, at: new Date(now).toISOString() };
    }
  }

  /** Abbiamo's own cancel (timeout, seller): the delivery ends ORDER_FAILED. */
  cancel(delivery: SandboxDelivery, subStatus: SandboxCancellation['subStatus'], now: number): void {
    delivery.status = 'ORDER_FAILED';
    delivery.subStatus = subStatus;
    const at = new Date(now).toISOString();
    delivery.terminal = { endpoint: 'canceled', eventAt: at, at };
  }

  all(): SandboxDelivery[] {
    return [...this.byId.values()];
  }
}

function refusal(code: AbbiamoRefusalCode, message: string): Judgement {
  return { outcome: 'refused', code, message };
}
