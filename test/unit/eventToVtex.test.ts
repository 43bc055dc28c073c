import type { JobEvent } from '../../contracts/deliveryEngine';
import { cancelTypeFor, vehicleForVtex, vtexCallsForEvent, vtexFirstReport } from '../../mapping/eventToVtex';
import { markerFor, withoutMarker } from '../../activities/vtex';

/** An Instaleap event `{id, type, created_at, job}`; `job` extends the bare job. */
const base = (type: string, job: Partial<JobEvent['job']> = {}): JobEvent => ({
  id: `evt-${type}`,
  type,
  created_at: '2026-11-27T10:00:00.000Z',
  job: { id: 'job-1', client_reference: 'ORDER-1', ...job },
});
/** The driver as a task's resource, in either shape Instaleap's clients show. */
const driver = { id: 'drv-7', name: 'Pedro', phone_number: '242424234', vehicle: 'motorcycle' };
const onTask = (resource: unknown) => ({ tasks: [{ id: 't-1', type: 'DELIVERY', resource }] });

describe('Instaleap events to VTEX tracking hook calls', () => {
  it('reports an assignment as PATCH ASSIGNED with the agent from the job, its tracking page and eta', () => {
    const event = base('ALLOCATED', {
      ...onTask(driver),
      tracking_url: 'https://t/1',
      eta: '2026-11-27T10:45:00-03:00',
    });
    expect(vtexCallsForEvent(event, { movedTo: 'ASSIGNED', current: 'ASSIGNED', agentEverAssigned: false })).toEqual([
      {
        kind: 'patch',
        body: {
          status: 'ASSIGNED',
          agent: { id: 'drv-7', name: 'Pedro', phone: '242424234', vehicle: 'SCOOTER' },
          trackingUrl: 'https://t/1',
          shippingEstimatedDate: '2026-11-27T13:45:00.000Z',
        },
      },
    ]);
  });

  it('takes a bare resource id as the driver, and the last task that has one', () => {
    const event = base('RE_ALLOCATED', {
      tasks: [
        { id: 'pick', type: 'PICKING', resource: { id: 'picker-1', name: 'Picker' } },
        { id: 'del', type: 'DELIVERY', resource: 'driver-42' },
      ],
    });
    expect(vtexCallsForEvent(event, { current: 'ASSIGNED', agentEverAssigned: true })).toEqual([
      { kind: 'patch', body: { status: 'ASSIGNED', agent: { id: 'driver-42', name: 'driver-42' } } },
    ]);
  });

  it('reports a delivery, then the proof of delivery the job carries', () => {
    const event = base('CLIENT_RECEIVED', {
      ...onTask(driver),
      evidences: [{ type: 'IMAGE', content: 'https://img/sig.jpg', author: null }, { content: '' }, 'junk'],
    });
    const calls = vtexCallsForEvent(event, { movedTo: 'DELIVERED', current: 'DELIVERED', agentEverAssigned: true });
    expect(calls.map((c) => c.kind)).toEqual(['patch', 'evidences']);
    expect(calls[1]).toEqual({
      kind: 'evidences',
      evidences: [
        { type: 'IMAGE', content: 'https://img/sig.jpg', author: 'Pedro', ref: 'evt-CLIENT_RECEIVED/evidence/0' },
      ],
    });
  });

  it('reports REFUSED and TASK_RESET_* as INCIDENT plus an ERROR note', () => {
    for (const [type, note] of [
      ['REFUSED', 'Delivery refused'],
      ['TASK_RESET_DELIVERY', 'Task started over (TASK_RESET_DELIVERY)'],
    ] as const) {
      const calls = vtexCallsForEvent(base(type), {
        movedTo: 'INCIDENT',
        current: 'INCIDENT',
        agentEverAssigned: true,
      });
      expect(calls).toEqual([
        { kind: 'patch', body: { status: 'INCIDENT' } },
        { kind: 'notes', notes: [{ type: 'ERROR', note, author: 'Carrier', ref: `evt-${type}/note/0` }] },
      ]);
    }
  });

  it("reports an operator's forced INCIDENT and ON_HOLD with the operator's reason", () => {
    const incident = vtexCallsForEvent(base('INCIDENT'), {
      movedTo: 'INCIDENT',
      current: 'INCIDENT',
      agentEverAssigned: true,
      reason: 'Dog at the door',
    });
    expect(incident[1]).toMatchObject({ kind: 'notes', notes: [{ type: 'ERROR', note: 'Incident: Dog at the door' }] });
    expect(
      vtexCallsForEvent(base('ON_HOLD'), {
        movedTo: 'ON_HOLD',
        current: 'ON_HOLD',
        agentEverAssigned: true,
        reason: 'Store closed',
      }),
    ).toEqual([{ kind: 'onHold', body: { type: 'OTHER', comment: 'Store closed', ref: 'evt-ON_HOLD/on-hold/0' } }]);
  });

  it('reports a carrier cancel through POST /cancel with the type its reason calls for', () => {
    expect(
      vtexCallsForEvent(base('CANCELLED'), { movedTo: 'CANCELED', current: 'CANCELED', agentEverAssigned: true }),
    ).toEqual([{ kind: 'cancel', body: { type: 'OTHER' } }]);
    expect(cancelTypeFor('Customer cancelled by phone', true)).toBe('END_CLIENT_CANCELED');
    expect(cancelTypeFor('no courier available', false)).toBe('NO_THERE_DELIVERY_MAN_ASSIGN');
    expect(cancelTypeFor('address not found', true)).toBe('OTHER');
  });

  it("reports a RESCHEDULED job's new end_time as shippingEstimatedDate, and a COMMENT note", () => {
    const calls = vtexCallsForEvent(base('RESCHEDULED', { end_time: '2026-11-28T15:00:00-03:00' }), {
      current: 'ASSIGNED',
      agentEverAssigned: true,
    });
    expect(calls).toEqual([
      { kind: 'patch', body: { shippingEstimatedDate: '2026-11-28T18:00:00.000Z' } },
      {
        kind: 'notes',
        notes: [
          {
            type: 'COMMENT',
            note: 'Delivery rescheduled to 2026-11-28T18:00:00.000Z',
            author: 'Carrier',
            ref: 'evt-RESCHEDULED/note/0',
          },
        ],
      },
    ]);
  });

  it('sends nothing for a step that did not move the delivery and carries nothing new', () => {
    expect(
      vtexCallsForEvent(base('GOING_TO_ORIGIN_STARTED'), { current: 'ASSIGNED', agentEverAssigned: true }),
    ).toEqual([]);
    expect(vtexCallsForEvent(base('PICKING_STARTED'), { current: 'ASSIGNED', agentEverAssigned: true })).toEqual([]);
  });

  it('reports the details of a late step under the current status, never its older status', () => {
    const late = base('ALLOCATED', onTask({ id: 'd', name: 'Ana' }));
    expect(vtexCallsForEvent(late, { current: 'PICKED', agentEverAssigned: false })).toEqual([
      { kind: 'patch', body: { status: 'PICKED', agent: { id: 'd', name: 'Ana' } } },
    ]);
    expect(vtexCallsForEvent(late, { current: 'DELIVERED', agentEverAssigned: true })).toEqual([]);
  });

  it('maps engine vehicles onto VTEX enum values and drops unknown ones', () => {
    expect(vehicleForVtex('Motorcycle')).toBe('SCOOTER');
    expect(vehicleForVtex('bicycle')).toBe('BIKE');
    expect(vehicleForVtex('TRUCK')).toBe('TRUCK');
    expect(vehicleForVtex('hovercraft')).toBeUndefined();
  });

  it('first reports the job as it stands: status, price in cents and estimated date (a tracking URL once known)', () => {
    const job = {
      jobId: 'j',
      slotId: 's',
      priceCents: 1250,
      startsAt: '2026-11-27T10:00:00.000Z',
      endsAt: '2026-11-27T12:00:00.000Z',
    };
    expect(vtexFirstReport(job, 'PENDING')).toEqual({
      kind: 'patch',
      body: { status: 'PENDING', shippingPrice: 1250, shippingEstimatedDate: '2026-11-27T12:00:00.000Z' },
    });
    expect(vtexFirstReport({ ...job, trackingUrl: 'https://t/j' }, 'PENDING')).toMatchObject({
      body: {
        trackingUrl: 'https://t/j',
      },
    });
  });
});

describe('posts identified by their event (docs/specification.md "Exactly once at VTEX")', () => {
  it('marks a post with a short marker of its ref: the same for every attempt, another for another event', () => {
    expect(markerFor('evt-1/note/0')).toMatch(/^\[ev:[0-9a-v]{10}\]$/);
    expect(markerFor('evt-1/note/0')).toBe(markerFor('evt-1/note/0'));
    expect(markerFor('evt-1/note/1')).not.toBe(markerFor('evt-1/note/0'));
    expect(markerFor('evt-2/note/0')).not.toBe(markerFor('evt-1/note/0'));
    expect(withoutMarker(`Gate code did not work ${markerFor('evt-1/note/0')}`)).toBe('Gate code did not work');
    expect(withoutMarker('No marker [ev:here]')).toBe('No marker [ev:here]');
  });
});
