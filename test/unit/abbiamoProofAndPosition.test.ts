/**
 * What Abbiamo's status calls carry beyond the status: the driver's position on every call of an
 * event when the engine has it (Abbiamo: "shipper latitude/longitude on time of checkpoint"), and
 * the engine's evidences as proof on `successful`. docs/marketplace.md "What we send" lists each
 * field with its source.
 */
import type { JobEvent } from '../../contracts/deliveryEngine';
import { driverPositionOf } from '../../contracts/instaleapChoices';
import { ABBIAMO_ENDPOINTS, AbbiamoStatusBody } from '../../contracts/abbiamo';
import type { AbbiamoTarget } from '../../contracts/delivery';
import { abbiamoCallsForEvent, abbiamoConfirm, type AbbiamoMemory } from '../../mapping/eventToAbbiamo';

const T0 = Date.parse('2026-11-27T12:00:00.000Z');
const target: AbbiamoTarget = {
  platform: 'marketplace',
  deliveryId: 'd-1',
  orderNumber: 'order-1',
  tracking: null,
  sealedHeaders: 'v1.sealed',
  requestedAt: new Date(T0).toISOString(),
};
const outcome = { current: 'ASSIGNED' as const, agentEverAssigned: true };

function event(type: string, job: Partial<JobEvent['job']> = {}): JobEvent {
  return {
    id: `e-${type}`,
    type,
    created_at: new Date(T0 + 60_000).toISOString(),
    job: { id: 'job-1', client_reference: 'mkt-d-1', ...job },
  };
}
const withDriverAt = (resource: Record<string, unknown>) => ({
  tasks: [{ id: 't-1', type: 'DELIVERY', resource: { id: 'r-1', name: 'Walmir', ...resource } }],
});

describe('the driver position on Abbiamo calls', () => {
  it('is sent on the call of an event whose driver has a location', () => {
    const memory: AbbiamoMemory = { step: 'confirmed', lastEventAt: T0 + 1000 };
    const e = event('GOING_TO_ORIGIN_STARTED', withDriverAt({ location: { latitude: -23.55, longitude: -46.63 } }));
    const { calls } = abbiamoCallsForEvent(target, memory, e, outcome, T0 + 61_000);
    expect(calls.map((c) => [c.endpoint, c.body.latitude, c.body.longitude])).toEqual([
      ['collecting-delivery', -23.55, -46.63],
    ]);
    expect(AbbiamoStatusBody.safeParse(calls[0]!.body).success).toBe(true);
  });

  it('reads a flat latitude/longitude too, and sends none without a pair in range or for (0, 0)', () => {
    expect(driverPositionOf(withDriverAt({ latitude: 1.5, longitude: 2.5 }))).toEqual({
      latitude: 1.5,
      longitude: 2.5,
    });
    expect(driverPositionOf(withDriverAt({ latitude: 1.5 }))).toBeUndefined();
    expect(driverPositionOf(withDriverAt({ latitude: 0, longitude: 0 }))).toBeUndefined();
    expect(driverPositionOf(withDriverAt({ latitude: 91, longitude: 0 }))).toBeUndefined();
    const { calls } = abbiamoCallsForEvent(
      target,
      { step: 'confirmed', lastEventAt: T0 + 1000 },
      event('GOING_TO_ORIGIN_STARTED', withDriverAt({})),
      outcome,
      T0 + 61_000,
    );
    expect(calls[0]!.body).not.toHaveProperty('latitude');
  });
});

describe('proof of delivery on successful', () => {
  it("carries the engine's image evidences as links and its text evidences as a note", () => {
    const e = event('CLIENT_RECEIVED', {
      ...withDriverAt({}),
      evidences: [
        { type: 'IMAGE', content: 'https://proof.example/p1.jpg', author: 'Walmir' },
        { type: 'TEXT', content: 'Received by Capitu, CPF 123.456.789-09' },
      ],
    });
    const { calls } = abbiamoCallsForEvent(
      target,
      { step: 'start-delivery', lastEventAt: T0 + 1000 },
      e,
      outcome,
      T0 + 61_000,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.endpoint).toBe('successful');
    expect(calls[0]!.body).toMatchObject({
      driver_name: 'Walmir',
      proof_of_delivery_urls: ['https://proof.example/p1.jpg'],
      proof_of_delivery_note: 'Received by Capitu, CPF 123.456.789-09',
    });
    expect(AbbiamoStatusBody.safeParse(calls[0]!.body).success).toBe(true);
  });

  it('names the receiver and their document, as the delivery knows them', () => {
    const withReceiver = { ...target, receiver: { name: 'Machado de Assis', document: '123.456.789-09' } };
    const { calls } = abbiamoCallsForEvent(
      withReceiver,
      { step: 'start-delivery', lastEventAt: T0 + 1000 },
      event('CLIENT_RECEIVED'),
      outcome,
      T0 + 61_000,
    );
    expect(calls[0]!.body).toMatchObject({ receiver_name: 'Machado de Assis', receiver_document: '123.456.789-09' });
    expect(AbbiamoStatusBody.safeParse(calls[0]!.body).success).toBe(true);
  });

  it('sends no proof fields when the engine gave no evidence', () => {
    const { calls } = abbiamoCallsForEvent(
      target,
      { step: 'start-delivery', lastEventAt: T0 + 1000 },
      event('CLIENT_RECEIVED'),
      outcome,
      T0 + 61_000,
    );
    expect(Object.keys(calls[0]!.body).filter((k) => k.startsWith('proof'))).toEqual([]);
  });
});

describe('the confirmed body, field by field (docs/marketplace.md "What we send")', () => {
  it('sends exactly the fields we have a source for, the price in cents and the ETAs from the slot', () => {
    const job = {
      jobId: 'job-1',
      slotId: 'slot-1',
      trackingUrl: 'https://track.example/job-1',
      priceCents: 1250,
      startsAt: '2026-11-27T13:00:00.000Z',
      endsAt: '2026-11-27T15:00:00.000Z',
    };
    const { calls } = abbiamoConfirm({ ...target, pickupCode: '0427' }, {}, job, T0 + 1000);
    expect(calls.map((c) => c.endpoint)).toEqual(['confirmed']);
    expect(Object.keys(calls[0]!.body).sort()).toEqual(
      [
        'collect_verification_code',
        'delivery_id',
        'destination_eta',
        'event_at',
        'external_id',
        'pickup_eta',
        'price',
        'tracking_url',
      ].sort(),
    );
    expect(calls[0]!.body).toMatchObject({
      delivery_id: 'd-1',
      external_id: 'job-1',
      price: 1250,
      pickup_eta: job.startsAt,
      destination_eta: job.endsAt,
      collect_verification_code: '0427',
    });
  });

  it('spells every status path with hyphens, one list for all', () => {
    expect(ABBIAMO_ENDPOINTS.filter((e) => e.includes('_'))).toEqual([]);
    expect(ABBIAMO_ENDPOINTS).toContain('start-delivery');
  });
});
