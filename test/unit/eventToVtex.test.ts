import type { JobEvent } from '../../contracts/deliveryEngine';
import { MAX_INLINE_LABEL_BYTES } from '../../contracts/vtexLimits';
import { cancelTypeFor, vehicleForVtex, vtexCallsForEvent, vtexFirstReport } from '../../mapping/eventToVtex';
import { markerFor, withoutMarker } from '../../activities/vtex';

const base = (type: string, extra: Partial<JobEvent> = {}): JobEvent => ({
  id: `evt-${type}`,
  type,
  created_at: '2026-11-27T10:00:00.000Z',
  job: { id: 'job-1', client_reference: 'ORDER-1' },
  ...extra,
});
const driver = { id: 'drv-7', name: 'Pedro', phone: '242424234', identification: '89082480', vehicle: 'motorcycle' };

describe('engine events to VTEX tracking hook calls', () => {
  it('reports an assignment as PATCH ASSIGNED with the agent', () => {
    const calls = vtexCallsForEvent(base('ALLOCATED', { resource: driver, tracking_url: 'https://t/1' }), {
      movedTo: 'ASSIGNED',
      current: 'ASSIGNED',
      agentEverAssigned: false,
    });
    expect(calls).toEqual([
      {
        kind: 'patch',
        body: {
          status: 'ASSIGNED',
          agent: { id: 'drv-7', name: 'Pedro', identification: '89082480', phone: '242424234', vehicle: 'SCOOTER' },
          trackingUrl: 'https://t/1',
        },
      },
    ]);
  });

  it('reports a delivery with rating and distance, then its evidences and notes, in that order', () => {
    const event = base('CLIENT_RECEIVED', {
      rating: 5,
      distance_m: 1234.6,
      evidences: [{ type: 'IMAGE', content: 'https://img/sig.jpg', author: null }],
      notes: [{ type: 'COMMENT', note: 'Entregado a porteria', author: 'Juan' }],
      resource: driver,
    });
    const calls = vtexCallsForEvent(event, { movedTo: 'DELIVERED', current: 'DELIVERED', agentEverAssigned: true });
    expect(calls.map((c) => c.kind)).toEqual(['patch', 'evidences', 'notes']);
    expect(calls[0]).toMatchObject({ body: { status: 'DELIVERED', rating: 5, totalDistanceTraveled: 1235 } });
    expect(calls[1]).toEqual({
      kind: 'evidences',
      evidences: [
        { type: 'IMAGE', content: 'https://img/sig.jpg', author: 'Pedro', ref: 'evt-CLIENT_RECEIVED/evidence/0' },
      ],
    });
    expect(calls[2]).toEqual({
      kind: 'notes',
      notes: [{ type: 'COMMENT', note: 'Entregado a porteria', author: 'Juan', ref: 'evt-CLIENT_RECEIVED/note/0' }],
    });
  });

  it('reports an incident and a refusal as INCIDENT plus an ERROR note with the reason', () => {
    for (const type of ['INCIDENT', 'REFUSED']) {
      const calls = vtexCallsForEvent(base(type, { reason: 'Dog at the door' }), {
        movedTo: 'INCIDENT',
        current: 'INCIDENT',
        agentEverAssigned: true,
      });
      expect(calls[0]).toEqual({ kind: 'patch', body: { status: 'INCIDENT' } });
      expect(calls[1]).toMatchObject({
        kind: 'notes',
        notes: [{ type: 'ERROR', note: expect.stringContaining('Dog at the door') }],
      });
    }
  });

  it('reports a carrier cancel through POST /cancel with the type its reason calls for', () => {
    const client = vtexCallsForEvent(base('CANCELLED', { reason: 'Customer cancelled by phone' }), {
      movedTo: 'CANCELED',
      current: 'CANCELED',
      agentEverAssigned: true,
    });
    expect(client).toEqual([
      { kind: 'cancel', body: { type: 'END_CLIENT_CANCELED', comment: 'Customer cancelled by phone' } },
    ]);
    expect(cancelTypeFor('no courier available', false)).toBe('NO_THERE_DELIVERY_MAN_ASSIGN');
    expect(cancelTypeFor('address not found', true)).toBe('OTHER');
  });

  it('reports ON_HOLD through POST /on-hold', () => {
    expect(
      vtexCallsForEvent(base('ON_HOLD', { reason: 'Store closed' }), {
        movedTo: 'ON_HOLD',
        current: 'ON_HOLD',
        agentEverAssigned: true,
      }),
    ).toEqual([{ kind: 'onHold', body: { type: 'OTHER', comment: 'Store closed', ref: 'evt-ON_HOLD/on-hold/0' } }]);
  });

  it('reports a reschedule as a new shippingEstimatedDate and a COMMENT note', () => {
    const calls = vtexCallsForEvent(base('RESCHEDULED', { eta: '2026-11-28T15:00:00-03:00', reason: 'Client asked' }), {
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
            note: 'Delivery rescheduled to 2026-11-28T18:00:00.000Z: Client asked',
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
    // ALLOCATED arriving after PICKING_FINISHED: the driver is news, ASSIGNED is not.
    expect(
      vtexCallsForEvent(base('ALLOCATED', { resource: { id: 'd', name: 'Ana' } }), {
        current: 'PICKED',
        agentEverAssigned: false,
      }),
    ).toEqual([{ kind: 'patch', body: { status: 'PICKED', agent: { id: 'd', name: 'Ana' } } }]);
    // Nothing at all once the delivery ended.
    expect(
      vtexCallsForEvent(base('ALLOCATED', { resource: { id: 'd', name: 'Ana' } }), {
        current: 'DELIVERED',
        agentEverAssigned: true,
      }),
    ).toEqual([]);
  });

  it('reports new details of the current status (a new driver) without changing it', () => {
    const calls = vtexCallsForEvent(base('RE_ALLOCATED', { resource: { id: 'drv-8', name: 'Ana', vehicle: 'VAN' } }), {
      current: 'ASSIGNED',
      agentEverAssigned: true,
    });
    expect(calls).toEqual([
      { kind: 'patch', body: { status: 'ASSIGNED', agent: { id: 'drv-8', name: 'Ana', vehicle: 'VAN' } } },
    ]);
  });

  it('posts labels, and for a BASE64/TEXT label over 180 KB posts an ERROR note saying why instead', () => {
    const small = { id: 'L1', url: 'https://labels/1.pdf', name: 'Etiqueta', type: 'PDF' as const };
    const big = { id: 'L2', url: 'A'.repeat(MAX_INLINE_LABEL_BYTES + 1), name: 'Big', type: 'BASE64' as const };
    const calls = vtexCallsForEvent(base('CREATED', { labels: [small, big] }), {
      current: 'PENDING',
      agentEverAssigned: false,
    });
    expect(calls[0]).toEqual({ kind: 'label', label: small });
    expect(calls[1]).toMatchObject({
      kind: 'notes',
      notes: [{ type: 'ERROR', note: expect.stringMatching(/Label "Big" \(L2, BASE64, 181 KB\) was not sent/) }],
    });
    const exactly = { ...big, url: 'A'.repeat(MAX_INLINE_LABEL_BYTES) };
    expect(
      vtexCallsForEvent(base('CREATED', { labels: [exactly] }), { current: 'PENDING', agentEverAssigned: false })[0]
        ?.kind,
    ).toBe('label');
  });

  it('maps engine vehicles onto VTEX enum values and drops unknown ones', () => {
    expect(vehicleForVtex('Motorcycle')).toBe('SCOOTER');
    expect(vehicleForVtex('bicycle')).toBe('BIKE');
    expect(vehicleForVtex('TRUCK')).toBe('TRUCK');
    expect(vehicleForVtex('hovercraft')).toBeUndefined();
  });

  it('first reports the job as it stands: status, tracking URL, price and estimated date', () => {
    const job = {
      jobId: 'j',
      slotId: 's',
      trackingUrl: 'https://t/j',
      price: 12.5,
      startsAt: '2026-11-27T10:00:00.000Z',
      endsAt: '2026-11-27T12:00:00.000Z',
    };
    expect(vtexFirstReport(job, 'PENDING')).toEqual({
      kind: 'patch',
      body: {
        status: 'PENDING',
        trackingUrl: 'https://t/j',
        shippingPrice: 12.5,
        shippingEstimatedDate: '2026-11-27T12:00:00.000Z',
      },
    });
  });
});

describe('posts identified by their event (docs/specification.md "Exactly once at VTEX")', () => {
  it('gives every note of an event its own ref, whichever call carries it', () => {
    const event = base('INCIDENT', {
      reason: 'Flat tyre',
      notes: [
        { type: 'COMMENT', note: 'Same text', author: null },
        { type: 'COMMENT', note: 'Same text', author: null },
      ],
      labels: [{ id: 'big', url: 'x'.repeat(MAX_INLINE_LABEL_BYTES + 1), name: 'Label', type: 'TEXT' }],
    });
    const refs = vtexCallsForEvent(event, { movedTo: 'INCIDENT', current: 'INCIDENT', agentEverAssigned: true })
      .flatMap((c) => (c.kind === 'notes' ? c.notes : []))
      .map((n) => n.ref);
    expect(refs).toEqual(['evt-INCIDENT/note/0', 'evt-INCIDENT/note/1', 'evt-INCIDENT/note/2', 'evt-INCIDENT/note/3']);
  });

  it('marks a post with a short marker of its ref: the same for every attempt, another for another event', () => {
    expect(markerFor('evt-1/note/0')).toMatch(/^\[ev:[0-9a-v]{10}\]$/);
    expect(markerFor('evt-1/note/0')).toBe(markerFor('evt-1/note/0'));
    expect(markerFor('evt-1/note/1')).not.toBe(markerFor('evt-1/note/0'));
    expect(markerFor('evt-2/note/0')).not.toBe(markerFor('evt-1/note/0'));
    expect(withoutMarker(`Gate code did not work ${markerFor('evt-1/note/0')}`)).toBe('Gate code did not work');
    expect(withoutMarker('No marker [ev:here]')).toBe('No marker [ev:here]');
  });
});
