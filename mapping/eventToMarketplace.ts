/**
 * LEGACY: the status callbacks of our own invention, replaced by Abbiamo's endpoints
 * (mapping/eventToAbbiamo.ts). Kept, with `legacyMarketplaceReporter`, only so deliveries recorded
 * with them can be replayed and carried on behind a `patched()` (docs/marketplace.md "Replay").
 *
 * What the marketplace was told: one status callback
 * `POST {MARKETPLACE_URL}/deliveries/{delivery_id}/events` per change of the delivery. Pure and
 * import-free at run time (type imports only): the workflow calls it. Every callback carries a
 * deterministic `event_id`, the same on every retry and replay, so the marketplace can drop a
 * callback it already has.
 */
import type { JobEvent } from '../contracts/deliveryEngine';
import { driverOf, etaOf, trackingUrlOf } from '../contracts/instaleapChoices';
import type { MarketplaceStatus, StatusCallback } from '../contracts/marketplace';
import type { ServiceStatus } from '../contracts/vtex';
import type { JobInfo, MarketplaceTarget } from '../contracts/delivery';
import type { EventStatusOutcome } from './eventToVtex';

export type MarketplaceCall = { kind: 'status'; body: StatusCallback };

const REASON_LIMIT = 500;

/** The delivery's status as the marketplace names it: the same words, CREATED is still PENDING. */
export function marketplaceStatusOf(status: ServiceStatus): MarketplaceStatus {
  return status === 'CREATED' ? 'PENDING' : status;
}

/** `<delivery_id>:<what>`: unique per callback of a delivery, stable across retries and replays. */
export function callbackEventId(target: MarketplaceTarget, what: string): string {
  return `${target.deliveryId}:${what}`;
}

function callback(
  target: MarketplaceTarget,
  what: string,
  status: MarketplaceStatus,
  occurredAt: string,
  extra: Partial<StatusCallback> = {},
): MarketplaceCall {
  return {
    kind: 'status',
    body: {
      event_id: callbackEventId(target, what),
      status,
      occurred_at: occurredAt,
      tracking: target.tracking,
      delivery_id: target.deliveryId,
      order_number: target.orderNumber,
      ...extra,
    },
  };
}

function isEnded(status: ServiceStatus): boolean {
  return status === 'DELIVERED' || status === 'RETURNED' || status === 'CANCELED';
}

function clip(text: string): string {
  return text.length > REASON_LIMIT ? `${text.slice(0, REASON_LIMIT - 3)}...` : text;
}

/** Driver, tracking page and estimated time, when the event carries them. */
function details(event: JobEvent): Partial<StatusCallback> {
  const r = driverOf(event.job);
  const trackingUrl = trackingUrlOf(event.job);
  const eta = etaOf(event.job);
  return {
    ...(r
      ? {
          agent: {
            id: r.id,
            name: r.name ?? r.id,
            ...(r.phone ? { phone: r.phone } : {}),
            ...(r.vehicle ? { vehicle: r.vehicle } : {}),
          },
        }
      : {}),
    ...(trackingUrl ? { tracking_url: trackingUrl } : {}),
    ...(eta ? { estimated_delivery_at: eta } : {}),
  };
}

/** Why the delivery stopped or stands still, in words, for the statuses that need one. */
function reasonFor(event: JobEvent, status: MarketplaceStatus, why?: string): string | undefined {
  const given = why?.trim() || undefined;
  switch (status) {
    case 'INCIDENT':
      return clip(
        event.type === 'REFUSED'
          ? `Delivery refused${given ? `: ${given}` : ''}`
          : `Incident${given ? `: ${given}` : ''}`,
      );
    case 'CANCELED':
      return clip(given ?? 'Canceled by the carrier');
    case 'ON_HOLD':
      return clip(given ?? 'On hold at the carrier');
    case 'RETURNED':
      return clip(given ?? 'Returned to the seller');
    default:
      return undefined;
  }
}

/** The first callback once the job exists: the status, the tracking page and the estimated time. */
export function marketplaceFirstReport(
  target: MarketplaceTarget,
  job: JobInfo,
  status: ServiceStatus,
  at: string,
): MarketplaceCall {
  return callback(target, 'job-created', marketplaceStatusOf(status), at, {
    ...(job.trackingUrl ? { tracking_url: job.trackingUrl } : {}),
    estimated_delivery_at: job.endsAt,
  });
}

/**
 * The callbacks of one carrier event, after the status machine decided (workflows/stateMachine.ts):
 * - a move: one callback with the new status, the event's details, and the reason where it matters;
 * - no move on an open delivery: a callback of the unchanged status only for news the marketplace
 *   needs, a new driver (RE_ALLOCATED) or a new time (RESCHEDULED);
 * - anything else (a repeated step, a step back, an ended delivery, picking details): nothing.
 * Evidences, notes and labels have no place in Abbiamo's callback: they stay in the timeline.
 */
export function marketplaceCallsForEvent(
  target: MarketplaceTarget,
  event: JobEvent,
  outcome: EventStatusOutcome,
): MarketplaceCall[] {
  const at = new Date(event.created_at).toISOString();
  const what = `engine:${event.id}`;
  if (outcome.movedTo) {
    const status = marketplaceStatusOf(outcome.movedTo);
    const reason = reasonFor(event, status, outcome.reason);
    return [callback(target, what, status, at, { ...details(event), ...(reason ? { reason } : {}) })];
  }
  if (isEnded(outcome.current)) return [];
  const current = marketplaceStatusOf(outcome.current);
  if (event.type === 'RESCHEDULED') {
    const given = outcome.reason?.trim();
    const end = event.job.end_time ?? etaOf(event.job);
    const when = end ? `to ${new Date(end).toISOString()}` : 'to a time to be confirmed';
    return [
      callback(target, what, current, at, {
        ...details(event),
        reason: clip(`Delivery rescheduled ${when}${given ? `: ${given}` : ''}`),
      }),
    ];
  }
  if (event.type === 'RE_ALLOCATED' && driverOf(event.job)) {
    return [callback(target, what, current, at, details(event))];
  }
  return [];
}

/** The job could not be created: the delivery ends CANCELED, and the marketplace hears why. */
export function marketplaceCreationFailed(target: MarketplaceTarget, reason: string, at: string): MarketplaceCall {
  return callback(target, 'creation-failed', 'CANCELED', at, {
    reason: clip(`The delivery job could not be created: ${reason}`),
  });
}

/**
 * Canceled on a command, not by the carrier: Abbiamo's docs has no cancel event, so that is always an
 * operator (`npm run delivery -- cancel`), and the marketplace must hear of it.
 */
export function marketplaceCanceledOnRequest(target: MarketplaceTarget, reason: string, at: string): MarketplaceCall {
  return callback(target, 'canceled', 'CANCELED', at, { reason: clip(reason) });
}
