// LEGACY: the invented callbacks, kept for deliveries recorded with them (mapping/eventToMarketplace.ts).
import type { JobEvent } from '../../contracts/deliveryEngine';
import { StatusCallback } from '../../contracts/marketplace';
import {
  marketplaceCallsForEvent,
  marketplaceCanceledOnRequest,
  marketplaceCreationFailed,
  marketplaceFirstReport,
  marketplaceStatusOf,
  type MarketplaceCall,
} from '../../mapping/eventToMarketplace';
import { legacyMarketplaceReporter } from '../../workflows/reporters';
import type { MarketplaceTarget } from '../../contracts/delivery';

const target: MarketplaceTarget = {
  platform: 'marketplace',
  deliveryId: 'd-1',
  orderNumber: 'order-1',
  tracking: 'a-vBGOS',
  sealedHeaders: 'v1.sealed',
};
const driver = { id: 'drv-7', name: 'Pedro', phone: '+5511999990000', vehicle: 'motorcycle' };
/** What a test event carries: the driver and eta go on Instaleap's job; `reason` is an operator's why (force-status). */
interface Extra {
  resource?: { id: string; name: string; phone?: string; vehicle?: string };
  eta?: string;
  tracking_url?: string;
  reason?: string;
}
const reasons = new WeakMap<JobEvent, string>();
const event = (type: string, extra: Extra = {}): JobEvent => {
  const { resource, eta, tracking_url, reason } = extra;
  const made: JobEvent = {
    id: `evt-${type}`,
    type,
    created_at: '2026-11-27T10:00:00-03:00',
    job: {
      id: 'job-1',
      client_reference: 'd-1',
      ...(resource
        ? {
            tasks: [
              {
                id: 't-1',
                type: 'DELIVERY',
                resource: {
                  id: resource.id,
                  name: resource.name,
                  ...(resource.phone ? { phone_number: resource.phone } : {}),
                  ...(resource.vehicle ? { vehicle: resource.vehicle } : {}),
                },
              },
            ],
          }
        : {}),
      ...(eta ? { eta } : {}),
      ...(tracking_url ? { tracking_url } : {}),
    },
  };
  if (reason) reasons.set(made, reason);
  return made;
};
/** The mapping, with the operator's reason in the outcome as workflows/operator.ts gives it. */
const callsFor = (
  t: MarketplaceTarget,
  e: JobEvent,
  outcome: Parameters<typeof marketplaceCallsForEvent>[2],
): MarketplaceCall[] =>
  marketplaceCallsForEvent(t, e, { ...outcome, ...(reasons.has(e) ? { reason: reasons.get(e)! } : {}) });
const base = {
  event_id: 'd-1:engine:evt-X',
  occurred_at: '2026-11-27T13:00:00.000Z',
  tracking: 'a-vBGOS',
  delivery_id: 'd-1',
  order_number: 'order-1',
};
const bodies = (calls: MarketplaceCall[]) => calls.map((c) => c.body);

describe('carrier events to marketplace status callbacks', () => {
  it('first reports the job as it stands: PENDING, tracking page and estimated time', () => {
    const job = {
      jobId: 'job-1',
      slotId: 's',
      trackingUrl: 'https://t/job-1',
      priceCents: 1250,
      startsAt: '2026-11-27T17:00:00.000Z',
      endsAt: '2026-11-28T02:59:00.000Z',
    };
    const call = marketplaceFirstReport(target, job, 'PENDING', '2026-11-27T12:00:01.000Z');
    expect(call.body).toEqual({
      event_id: 'd-1:job-created',
      status: 'PENDING',
      occurred_at: '2026-11-27T12:00:01.000Z',
      tracking: 'a-vBGOS',
      delivery_id: 'd-1',
      order_number: 'order-1',
      tracking_url: 'https://t/job-1',
      estimated_delivery_at: '2026-11-28T02:59:00.000Z',
    });
    expect(StatusCallback.safeParse(call.body).error?.issues).toBeUndefined();
  });

  it('reports a move with the new status, the driver and the time of the event in UTC', () => {
    const calls = callsFor(target, event('ALLOCATED', { resource: driver, tracking_url: 'https://t/job-1' }), {
      movedTo: 'ASSIGNED',
      current: 'ASSIGNED',
      agentEverAssigned: false,
    });
    expect(bodies(calls)).toEqual([
      {
        ...base,
        event_id: 'd-1:engine:evt-ALLOCATED',
        status: 'ASSIGNED',
        agent: { id: 'drv-7', name: 'Pedro', phone: '+5511999990000', vehicle: 'motorcycle' },
        tracking_url: 'https://t/job-1',
      },
    ]);
  });

  it.each([
    ['CHECKED_OUT', 'PICKED'],
    ['GOING_TO_DESTINATION_STARTED', 'ON_ROUTE'],
    ['CLIENT_RECEIVED', 'DELIVERED'],
  ] as const)('reports %s as %s, without a reason', (type, status) => {
    const [call] = callsFor(target, event(type), {
      movedTo: status,
      current: status,
      agentEverAssigned: true,
    });
    expect(call?.body).toEqual({ ...base, event_id: `d-1:engine:evt-${type}`, status });
  });

  it.each([
    ['REFUSED', 'INCIDENT', 'Dog at the door', 'Delivery refused: Dog at the door'],
    ['INCIDENT', 'INCIDENT', 'Flat tyre', 'Incident: Flat tyre'],
    ['CANCELLED', 'CANCELED', 'Customer not home', 'Customer not home'],
    ['CANCELLED', 'CANCELED', undefined, 'Canceled by the carrier'],
    ['ON_HOLD', 'ON_HOLD', undefined, 'On hold at the carrier'],
    ['RETURNED', 'RETURNED', 'Address not found', 'Address not found'],
  ] as const)('reports %s as %s with the reason (%s)', (type, status, reason, expected) => {
    const [call] = callsFor(target, event(type, reason ? { reason } : {}), {
      movedTo: status,
      current: status,
      agentEverAssigned: true,
    });
    expect(call?.body).toMatchObject({ status, reason: expected });
  });

  it('tells nothing of a repeated step, a step back, a picking detail or anything after the end', () => {
    expect(
      callsFor(target, event('GOING_TO_ORIGIN_STARTED', { resource: driver }), {
        current: 'ASSIGNED',
        agentEverAssigned: true,
      }),
    ).toEqual([]);
    expect(callsFor(target, event('CHECKED_OUT'), { current: 'ON_ROUTE', agentEverAssigned: true })).toEqual([]);
    expect(callsFor(target, event('PICKING_STARTED'), { current: 'ASSIGNED', agentEverAssigned: true })).toEqual([]);
    expect(
      callsFor(target, event('RESCHEDULED', { eta: '2026-11-28T15:00:00-03:00' }), {
        current: 'DELIVERED',
        agentEverAssigned: true,
      }),
    ).toEqual([]);
    expect(
      callsFor(target, event('RE_ALLOCATED', { resource: driver }), {
        current: 'CANCELED',
        agentEverAssigned: true,
      }),
    ).toEqual([]);
  });

  it('tells a reschedule as the unchanged status with the new estimated time and why', () => {
    const calls = callsFor(target, event('RESCHEDULED', { eta: '2026-11-28T15:00:00-03:00', reason: 'Client asked' }), {
      current: 'ASSIGNED',
      agentEverAssigned: true,
    });
    expect(bodies(calls)).toEqual([
      {
        ...base,
        event_id: 'd-1:engine:evt-RESCHEDULED',
        status: 'ASSIGNED',
        estimated_delivery_at: '2026-11-28T18:00:00.000Z',
        reason: 'Delivery rescheduled to 2026-11-28T18:00:00.000Z: Client asked',
      },
    ]);
  });

  it('tells a new driver with the unchanged status, even past ASSIGNED', () => {
    const calls = callsFor(target, event('RE_ALLOCATED', { resource: { id: 'drv-8', name: 'Ana' } }), {
      current: 'ON_ROUTE',
      agentEverAssigned: true,
    });
    expect(bodies(calls)).toEqual([
      { ...base, event_id: 'd-1:engine:evt-RE_ALLOCATED', status: 'ON_ROUTE', agent: { id: 'drv-8', name: 'Ana' } },
    ]);
  });

  it('gives each callback an event_id that is the same on every replay and unique within the delivery', () => {
    const outcome = { movedTo: 'PICKED', current: 'PICKED', agentEverAssigned: true } as const;
    const once = callsFor(target, event('CHECKED_OUT'), outcome);
    const again = callsFor(target, event('CHECKED_OUT'), outcome);
    expect(again).toEqual(once);
    const other = callsFor(target, { ...event('CHECKED_OUT'), id: 'evt-other' }, outcome);
    expect(other[0]?.body.event_id).not.toBe(once[0]?.body.event_id);
    expect(
      marketplaceCallsForEvent({ ...target, deliveryId: 'd-2' }, event('CHECKED_OUT'), outcome)[0]?.body.event_id,
    ).toBe('d-2:engine:evt-CHECKED_OUT');
  });

  it('reports a failed creation as CANCELED with the reason', () => {
    expect(marketplaceCreationFailed(target, 'no slot could be had', '2026-11-27T12:10:00.000Z').body).toEqual({
      ...base,
      event_id: 'd-1:creation-failed',
      occurred_at: '2026-11-27T12:10:00.000Z',
      status: 'CANCELED',
      reason: 'The delivery job could not be created: no slot could be had',
    });
  });

  it("reports an operator's cancel as CANCELED, since the marketplace did not ask for it", () => {
    expect(
      marketplaceCanceledOnRequest(target, 'Canceled by an operator', '2026-11-27T12:10:00.000Z').body,
    ).toMatchObject({ event_id: 'd-1:canceled', status: 'CANCELED', reason: 'Canceled by an operator' });
  });

  it('keeps reasons to 500 characters', () => {
    const [call] = callsFor(target, event('INCIDENT', { reason: 'x'.repeat(2000) }), {
      movedTo: 'INCIDENT',
      current: 'INCIDENT',
      agentEverAssigned: true,
    });
    expect(call?.body.reason).toHaveLength(500);
  });

  it('names statuses as the marketplace does (CREATED is still PENDING), and every body fits the callback schema', () => {
    expect(marketplaceStatusOf('CREATED')).toBe('PENDING');
    expect(marketplaceStatusOf('ON_HOLD')).toBe('ON_HOLD');
    const all = [
      ...callsFor(target, event('ALLOCATED', { resource: driver, eta: '2026-11-27T15:00:00Z' }), {
        movedTo: 'ASSIGNED',
        current: 'ASSIGNED',
        agentEverAssigned: false,
      }),
      ...callsFor(target, event('REFUSED', { reason: 'r' }), {
        movedTo: 'INCIDENT',
        current: 'INCIDENT',
        agentEverAssigned: true,
      }),
      marketplaceCreationFailed(target, 'r', '2026-11-27T12:10:00.000Z'),
    ];
    for (const call of all) expect(StatusCallback.safeParse(call.body).error?.issues).toBeUndefined();
  });
});

describe('the legacy marketplace reporter', () => {
  it('describes each call by status and event_id (never the headers)', () => {
    const reporter = legacyMarketplaceReporter(target);
    expect(reporter.confirmationDelayMs).toBe(0);
    const [call] = reporter.creationFailed('boom');
    expect(reporter.describe(call!)).toBe('POST status CANCELED (d-1:creation-failed)');
    expect(reporter.describe(call!)).not.toContain('sealed');
  });
});
