import type { JobEvent } from '../../contracts/deliveryEngine';
import { AbbiamoStatusBody } from '../../contracts/abbiamo';
import type { JobInfo, AbbiamoTarget } from '../../contracts/delivery';
import {
  ABBIAMO_UPDATE_WINDOW_MS,
  abbiamoCallsForEvent,
  abbiamoCanceledOnRequest,
  abbiamoCancelReason,
  abbiamoConfirm,
  abbiamoCreationFailed,
  failureSubStatus,
  type AbbiamoCall,
  type AbbiamoMemory,
} from '../../mapping/eventToAbbiamo';
import { reporterFor } from '../../workflows/platforms';
import { abbiamoReporter } from '../../workflows/reporters';

const T0 = Date.parse('2026-11-27T12:00:00.000Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

const target: AbbiamoTarget = {
  platform: 'marketplace',
  deliveryId: 'd-1',
  orderNumber: 'order-1',
  tracking: 'a-vBGOS',
  sealedHeaders: 'v1.sealed',
  requestedAt: at(0),
};
const withCode: AbbiamoTarget = { ...target, pickupCode: '0427' };

const job: JobInfo = {
  jobId: 'job-1',
  slotId: 'slot-1',
  trackingUrl: 'https://track.example/job-1',
  priceCents: 1250,
  startsAt: '2026-11-27T13:00:00.000Z',
  endsAt: '2026-11-27T15:00:00.000Z',
};

const driver = {
  id: 'r-1',
  name: 'Walmir Souza',
  phone: '+5511999990000',
  identification: '12345678900',
  vehicle: 'moto ABC1D23',
};

/** What a test event carries: the driver and eta go on Instaleap's job; `reason` is an operator's why (force-status). */
interface Extra {
  resource?: typeof driver | { id: string; name: string };
  eta?: string;
  end_time?: string;
  reason?: string;
}
const reasons = new WeakMap<JobEvent, string>();

let seq = 0;
function event(type: string, offsetMs: number, extra: Extra = {}): JobEvent {
  seq += 1;
  const { resource, eta, end_time, reason } = extra;
  const made: JobEvent = {
    id: `e-${seq}`,
    type,
    created_at: at(offsetMs),
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
                  ...('phone' in resource ? { phone_number: resource.phone, vehicle: resource.vehicle } : {}),
                },
              },
            ],
          }
        : {}),
      ...(eta ? { eta } : {}),
      ...(end_time ? { end_time } : {}),
    },
  };
  if (reason) reasons.set(made, reason);
  return made;
}

const outcome = { current: 'ASSIGNED' as const, agentEverAssigned: false };
const outcomeOf = (e: JobEvent) => ({ ...outcome, ...(reasons.has(e) ? { reason: reasons.get(e)! } : {}) });

/** Confirms at `confirmAt`, then feeds the events in order; returns every call and the final memory. */
function life(events: JobEvent[], options: { t?: AbbiamoTarget; confirmAt?: number; now?: number } = {}) {
  const t = options.t ?? target;
  const confirmed = abbiamoConfirm(t, {}, job, options.confirmAt ?? T0 + 1000);
  let memory: AbbiamoMemory = confirmed.memory;
  const calls: AbbiamoCall[] = [...confirmed.calls];
  for (const e of events) {
    const out = abbiamoCallsForEvent(t, memory, e, outcomeOf(e), options.now ?? Date.parse(e.created_at) + 50);
    memory = out.memory;
    calls.push(...out.calls);
  }
  return { calls, memory };
}
const endpoints = (calls: AbbiamoCall[]) =>
  calls.map((c) => c.endpoint + (c.body.sub_status ? `:${c.body.sub_status}` : ''));

describe('Abbiamo confirmation (POST /v1/delivery/confirmed)', () => {
  it('carries our job id, the slot as ETAs, the price in cents and the tracking page, dated when the job exists', () => {
    const { calls, memory } = abbiamoConfirm(target, {}, job, T0 + 1234);
    expect(calls).toEqual([
      {
        kind: 'status',
        endpoint: 'confirmed',
        body: {
          delivery_id: 'd-1',
          event_at: at(1234),
          external_id: 'job-1',
          pickup_eta: '2026-11-27T13:00:00.000Z',
          destination_eta: '2026-11-27T15:00:00.000Z',
          price: 1250,
          tracking_url: 'https://track.example/job-1',
        },
      },
    ]);
    expect(memory).toEqual({ lastEventAt: T0 + 1234, step: 'confirmed' });
  });

  it('carries our pickup code when the carrier owns the pincode', () => {
    expect(abbiamoConfirm(withCode, {}, job, T0).calls[0]!.body.collect_verification_code).toBe('0427');
  });

  it('is never dated before the DELIVERY_REQUEST, and is sent once', () => {
    const early = abbiamoConfirm(target, {}, job, T0 - 60_000);
    expect(early.calls[0]!.body.event_at).toBe(at(0));
    expect(abbiamoConfirm(target, early.memory, job, T0 + 5000).calls).toEqual([]);
  });
});

describe('engine events to Abbiamo status endpoints', () => {
  it("a full life (the engine's happy scenario): each step once, in Abbiamo's order, each with the event's own time", () => {
    const { calls } = life([
      event('CREATED', 2000),
      event('ALLOCATED', 3000, { resource: driver }),
      event('GOING_TO_ORIGIN_STARTED', 4000, { resource: driver, eta: '2026-11-27T12:20:00.000Z' }),
      event('ARRIVED_TO_ORIGIN', 5000, { resource: driver }),
      event('PICKING_FINISHED', 6000),
      event('CHECKED_OUT', 7000),
      event('GOING_TO_DESTINATION_STARTED', 8000, { resource: driver, eta: '2026-11-27T12:50:00.000Z' }),
      event('ARRIVED_TO_DESTINATION', 9000),
      event('DELIVERING_STARTED', 10_000),
      event('CLIENT_RECEIVED', 11_000, { resource: driver }),
    ]);
    expect(endpoints(calls)).toEqual([
      'confirmed',
      'handling:DRIVER_ASSIGNED',
      'collecting-delivery',
      'at-pickup-point',
      'start-delivery',
      'successful',
    ]);
    expect(calls.map((c) => c.body.event_at)).toEqual([at(1000), at(3000), at(4000), at(5000), at(8000), at(11_000)]);
    expect(calls[1]!.body).toMatchObject({
      driver_name: 'Walmir Souza',
      driver_phone: '+5511999990000',
      vehicle: 'moto ABC1D23',
    });
    expect(calls[2]!.body.pickup_eta).toBe('2026-11-27T12:20:00.000Z');
    expect(calls[4]!.body.destination_eta).toBe('2026-11-27T12:50:00.000Z');
    for (const call of calls) expect(AbbiamoStatusBody.safeParse(call.body).error?.issues).toBeUndefined();
  });

  it('sends the collect verification code once, on the first step from the heading-to-pickup on', () => {
    const { calls } = life(
      [
        event('ALLOCATED', 3000, { resource: driver }),
        event('GOING_TO_ORIGIN_STARTED', 4000),
        event('ARRIVED_TO_ORIGIN', 5000),
        event('GOING_TO_DESTINATION_STARTED', 8000),
      ],
      { t: withCode },
    );
    expect(calls.map((c) => [c.endpoint, c.body.collect_verification_code])).toEqual([
      ['confirmed', '0427'],
      ['handling', undefined],
      ['collecting-delivery', '0427'],
      ['at-pickup-point', undefined],
      ['start-delivery', undefined],
    ]);
    // The driver went straight to the pickup point: the code goes with that step.
    const direct = life([event('ARRIVED_TO_ORIGIN', 5000)], { t: withCode });
    expect(direct.calls[1]).toMatchObject({ endpoint: 'at-pickup-point', body: { collect_verification_code: '0427' } });
    expect(direct.memory.collectCodeSent).toBe(true);
    // Without a code of ours there is none to send.
    expect(life([event('GOING_TO_ORIGIN_STARTED', 4000)]).calls[1]!.body).not.toHaveProperty(
      'collect_verification_code',
    );
  });

  it('event_at strictly increases: an equal or earlier time is sent 1 ms after the last one', () => {
    const { calls } = life([
      event('ALLOCATED', 3000, { resource: driver }),
      event('GOING_TO_ORIGIN_STARTED', 3000),
      event('ARRIVED_TO_ORIGIN', 2500),
    ]);
    expect(calls.map((c) => c.body.event_at)).toEqual([at(1000), at(3000), at(3001), at(3002)]);
  });

  it('event_at is never before the DELIVERY_REQUEST, whatever the engine clock says', () => {
    const confirmed = { lastEventAt: undefined, step: 'confirmed' as const };
    const out = abbiamoCallsForEvent(target, confirmed, event('ALLOCATED', -90_000, { resource: driver }), outcome, T0);
    expect(out.calls[0]!.body.event_at).toBe(at(0));
  });

  it('a second attempt follows start-delivery → failed-to-deliver → start-delivery → successful', () => {
    const { calls } = life([
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('INCIDENT', 9000, { reason: 'Recipient absent' }),
      event('RESCHEDULED', 9500, { eta: '2026-11-28T15:00:00.000Z', reason: 'Tomorrow afternoon' }),
      event('GOING_TO_DESTINATION_STARTED', 10_000),
      event('ARRIVED_TO_DESTINATION', 10_500),
      event('CLIENT_RECEIVED', 11_000),
    ]);
    expect(endpoints(calls)).toEqual([
      'confirmed',
      'start-delivery',
      'failed-to-deliver:recipient-absent',
      'handling:RESCHEDULED',
      'start-delivery',
      'successful',
    ]);
    expect(calls[2]!.body.reason).toBe('Recipient absent');
    expect(calls[3]!.body).toMatchObject({ destination_eta: '2026-11-28T15:00:00.000Z', reason: 'Tomorrow afternoon' });
  });

  it('a return follows start-delivery → failed-to-deliver → returning → returned', () => {
    const headingBack = life([
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('REFUSED', 9000, { reason: 'Customer refused the parcel' }),
      event('GOING_TO_ORIGIN_STARTED', 9500),
      event('ARRIVED_TO_ORIGIN', 9800),
      event('RETURNED', 10_000),
    ]);
    expect(endpoints(headingBack.calls)).toEqual([
      'confirmed',
      'start-delivery',
      'failed-to-deliver:delivery-refused',
      'returning',
      'returned',
    ]);
    // The engine often says RETURNED only: returning goes first, 1 ms before.
    const direct = life([
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('REFUSED', 9000),
      event('RETURNED', 10_000),
    ]);
    expect(endpoints(direct.calls)).toEqual([
      'confirmed',
      'start-delivery',
      'failed-to-deliver:delivery-refused',
      'returning',
      'returned',
    ]);
    expect(direct.calls.slice(3).map((c) => c.body.event_at)).toEqual([at(10_000), at(10_001)]);
  });

  it("names the failed attempt as Abbiamo does where the operator's reason says so", () => {
    expect(failureSubStatus(event('REFUSED', 0))).toBe('delivery-refused');
    expect(failureSubStatus(event('INCIDENT', 0), 'Destinatário ausente')).toBe('recipient-absent');
    expect(failureSubStatus(event('INCIDENT', 0), 'nobody at home')).toBe('recipient-absent');
    expect(failureSubStatus(event('INCIDENT', 0), 'Cliente recusou')).toBe('delivery-refused');
    expect(failureSubStatus(event('INCIDENT', 0), 'flat tyre')).toBe('delivery-failed');
  });

  it('an incident before the parcel left the seller is a failed collection, and collection may start again', () => {
    const { calls } = life([
      event('GOING_TO_ORIGIN_STARTED', 4000),
      event('INCIDENT', 5000, { reason: 'Store closed' }),
      event('GOING_TO_ORIGIN_STARTED', 6000),
      event('ARRIVED_TO_ORIGIN', 7000),
    ]);
    expect(endpoints(calls)).toEqual([
      'confirmed',
      'collecting-delivery',
      'failed-to-deliver:collect-failed',
      'collecting-delivery',
      'at-pickup-point',
    ]);
  });

  it('sends no step back: a late pickup step after start-delivery is not reported', () => {
    const { calls } = life([
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('ARRIVED_TO_ORIGIN', 8500),
      event('GOING_TO_ORIGIN_STARTED', 8600),
      event('ALLOCATED', 8700, { resource: driver }),
    ]);
    expect(endpoints(calls)).toEqual(['confirmed', 'start-delivery']);
  });

  it('a new driver is news at any stage; a hold is handling', () => {
    const { calls } = life([
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('RE_ALLOCATED', 8500, { resource: { ...driver, id: 'r-2', name: 'Ana Lima' } }),
      event('ON_HOLD', 8700, { reason: 'Waiting for the seller' }),
    ]);
    expect(endpoints(calls)).toEqual(['confirmed', 'start-delivery', 'handling:DRIVER_ASSIGNED', 'handling:ON_HOLD']);
    expect(calls[2]!.body.driver_name).toBe('Ana Lima');
    expect(calls[3]!.body.reason).toBe('Waiting for the seller');
  });

  it('the carrier canceling is canceled with its reason', () => {
    const { calls } = life([event('CANCELLED', 5000, { reason: 'Vehicle broke down' })]);
    expect(calls[1]).toMatchObject({
      endpoint: 'canceled',
      body: { sub_status: 'CARRIER_CANCELED', reason: 'Vehicle broke down', event_at: at(5000) },
    });
  });

  it('picking, checkout, invoicing and unknown events are not reported', () => {
    const types = [
      'CREATED',
      'PICKING_STARTED',
      'PICKING_FINISHED',
      'CHECKOUT_STARTED',
      'CHECKED_OUT',
      'INVOICED',
      'X',
    ];
    expect(endpoints(life(types.map((t, i) => event(t, 2000 + i))).calls)).toEqual(['confirmed']);
  });
});

describe('the terminal status and the 24-hour window', () => {
  const delivered = () =>
    life([
      event('ALLOCATED', 3000, { resource: driver }),
      event('GOING_TO_DESTINATION_STARTED', 8000),
      event('CLIENT_RECEIVED', 11_000),
    ]);

  it('records the one terminal sent, and sends no second one', () => {
    const { memory } = delivered();
    expect(memory.terminal).toEqual({ endpoint: 'successful', eventAt: T0 + 11_000, sentAt: T0 + 11_050 });
    for (const type of ['CANCELLED', 'RETURNED', 'CLIENT_RECEIVED']) {
      expect(abbiamoCallsForEvent(target, memory, event(type, 12_000), outcome, T0 + 12_050).calls).toEqual([]);
    }
    expect(abbiamoCreationFailed(target, memory, 'x', T0 + 13_000).calls).toEqual([]);
    expect(abbiamoCanceledOnRequest(target, memory, 'operator', T0 + 13_000).calls).toEqual([]);
  });

  it('a late earlier-dated step goes with its own time inside the window; not after it; never one dated after the terminal', () => {
    const { memory } = life([event('ALLOCATED', 3000, { resource: driver }), event('CLIENT_RECEIVED', 11_000)]);
    const late = event('DELIVERING_STARTED', 10_000);
    const inside = abbiamoCallsForEvent(target, memory, late, outcome, T0 + 11_050 + ABBIAMO_UPDATE_WINDOW_MS - 1);
    expect(inside.calls.map((c) => [c.endpoint, c.body.event_at])).toEqual([['start-delivery', at(10_000)]]);
    expect(
      abbiamoCallsForEvent(target, memory, late, outcome, T0 + 11_050 + ABBIAMO_UPDATE_WINDOW_MS + 1).calls,
    ).toEqual([]);
    expect(
      abbiamoCallsForEvent(target, memory, event('DELIVERING_STARTED', 12_000), outcome, T0 + 13_000).calls,
    ).toEqual([]);
  });
});

describe('creation failures and cancels on request', () => {
  it('no job in time: canceled with CARRIER_UNAVAILABLE and the reason the seller reads', () => {
    const { calls } = abbiamoCreationFailed(target, {}, 'no slot could be had before 12:25', T0 + 25 * 60_000);
    expect(calls).toEqual([
      {
        kind: 'status',
        endpoint: 'canceled',
        body: {
          delivery_id: 'd-1',
          event_at: at(25 * 60_000),
          sub_status: 'CARRIER_UNAVAILABLE',
          reason: 'The carrier could not schedule the delivery: no slot could be had before 12:25',
        },
      },
    ]);
  });

  it("Abbiamo's own cancellation is not reported back; an operator's cancel is, as canceled", () => {
    const confirmed = abbiamoConfirm(target, {}, job, T0 + 1000).memory;
    expect(
      abbiamoCanceledOnRequest(target, confirmed, abbiamoCancelReason('SELLER_CANCELED', 's-1'), T0 + 2000).calls,
    ).toEqual([]);
    expect(
      abbiamoCanceledOnRequest(target, confirmed, abbiamoCancelReason('CARRIER_TIMEOUT'), T0 + 2000).calls,
    ).toEqual([]);
    const operator = abbiamoCanceledOnRequest(target, confirmed, 'Seller called: order canceled', T0 + 2000);
    expect(operator.calls[0]).toMatchObject({
      endpoint: 'canceled',
      body: { sub_status: 'CARRIER_CANCELED', reason: 'Seller called: order canceled', event_at: at(2000) },
    });
  });
});

describe('the memory', () => {
  it('is plain JSON, and the functions never change the memory they are given (pure)', () => {
    const start = abbiamoConfirm(withCode, {}, job, T0 + 1000).memory;
    const frozen = JSON.parse(JSON.stringify(start)) as AbbiamoMemory;
    const out = abbiamoCallsForEvent(withCode, start, event('GOING_TO_ORIGIN_STARTED', 4000), outcome, T0 + 5000);
    expect(start).toEqual(frozen);
    expect(JSON.parse(JSON.stringify(out.memory))).toEqual(out.memory);
    // Carried through JSON (continue-as-new), the next event is planned the same.
    const next = event('ARRIVED_TO_ORIGIN', 5000);
    expect(abbiamoCallsForEvent(withCode, JSON.parse(JSON.stringify(out.memory)), next, outcome, T0 + 6000)).toEqual(
      abbiamoCallsForEvent(withCode, out.memory, next, outcome, T0 + 6000),
    );
  });
});

describe('Abbiamo reporter', () => {
  it('is chosen for Abbiamo deliveries and has no confirmation delay, whatever the tuning says', () => {
    expect(reporterFor(target, 5000, {}, 1).confirmationDelayMs).toBe(0);
  });

  it("keeps Abbiamo's memory in the delivery's reporter memory, across reporters (continue-as-new)", () => {
    const memory: Record<string, unknown> = {};
    const first = abbiamoReporter(target, memory);
    const [confirm] = first.firstReport(job, 'PENDING');
    expect(confirm!.endpoint).toBe('confirmed');
    expect(memory.abbiamo).toMatchObject({ step: 'confirmed' });
    const carried = abbiamoReporter(target, JSON.parse(JSON.stringify(memory)) as Record<string, unknown>);
    expect(carried.firstReport(job, 'PENDING')).toEqual([]);
    const [call] = carried.callsForEvent(event('GOING_TO_ORIGIN_STARTED', 4000), outcome);
    // Confirmed at workflow time (here: now), so the engine's older event goes 1 ms after it.
    const bumped = new Date(Date.parse(confirm!.body.event_at) + 1).toISOString();
    expect(carried.describe(call!)).toBe(`POST collecting-delivery (${bumped})`);
    expect(carried.describe(call!)).not.toContain('sealed');
  });
});
