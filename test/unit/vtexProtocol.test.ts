/**
 * VTEX bodies VTEX's own documents allow, taken as docs/partners.md "VTEX" says: a timezone offset in
 * fractional hours, a Pause service without `pause`, answered in VTEX's documented shape; and the one
 * distance unit we send.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { createLabelSigner } from '../../security/labelSigning';
import pauseExample from '../../contracts/examples/vtex.pause-service.json';
import createExample from '../../contracts/examples/vtex.create-service.json';
import { VtexCommandAnswer } from '../../contracts/intakeAnswers';
import { CreateServiceRequest, TrackingUpdate } from '../../contracts/vtex';
import { vtexDistanceTraveled } from '../../mapping/units';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import type { DeliveryGateway } from '../../api/deliveries';
import { errorMiddleware } from '../../api/errors';
import type { RateQuoter } from '../../api/rates';
import { vtexRoutes } from '../../api/routes/vtex';

const ourServiceId = 'vtex-SLR-1-abcdefghij';
const pauses: Array<{ serviceId: string; pause: boolean; reason: string }> = [];
const gateway = {
  async pause(serviceId: string, _carrierId: string, pause: boolean, reason: string) {
    pauses.push({ serviceId, pause, reason });
    return undefined;
  },
} as unknown as DeliveryGateway;

let base = '';
let close: () => void = () => undefined;
beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.use((_req, res, next) => {
    res.locals.receivedAt = Date.now();
    next();
  });
  app.use(
    '/vtex',
    vtexRoutes({
      gateway,
      creationGraceMs: 600_000,
      carrierId: 'carrier',
      quoter: {} as unknown as RateQuoter,
      labelSigner: createLabelSigner({
        key: 'label-signing-key-of-this-test-0123456789',
        ttlMs: 60_000,
        publicUrl: 'http://bridge.test',
      }),
    }),
  );
  app.use(errorMiddleware(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());
beforeEach(() => (pauses.length = 0));

async function pause(body: Record<string, unknown>) {
  const res = await fetch(`${base}/vtex/services/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('VTEX Pause service', () => {
  it("takes VTEX's own example (pause: false) as a resume, answered in VTEX's shape", async () => {
    const res = await pause({ ...pauseExample, serviceId: ourServiceId });
    expect(res.status).toBe(200);
    expect(VtexCommandAnswer.parse(res.body).data).toEqual({
      serviceId: ourServiceId,
      carrierId: pauseExample.carrierId,
      pause: false,
      reason: pauseExample.reason,
    });
    expect(pauses).toEqual([{ serviceId: ourServiceId, pause: false, reason: pauseExample.reason }]);
  });

  it("takes a call without `pause` (optional in VTEX's OpenAPI) as a pause, and says so", async () => {
    const { pause: _omitted, reason: _none, ...body } = { ...pauseExample, serviceId: ourServiceId };
    const res = await pause(body);
    expect(res.status).toBe(200);
    // VTEX's PauseResumeServiceResponse requires `reason` as a string: the one applied.
    expect(VtexCommandAnswer.parse(res.body).data).toEqual({
      serviceId: ourServiceId,
      carrierId: pauseExample.carrierId,
      pause: true,
      reason: 'Paused by VTEX',
    });
    expect(pauses).toEqual([{ serviceId: ourServiceId, pause: true, reason: 'Paused by VTEX' }]);
  });

  it('takes `pause: null` as a pause too', async () => {
    const res = await pause({ ...pauseExample, serviceId: ourServiceId, pause: null });
    expect(res.status).toBe(200);
    expect(pauses.map((p) => p.pause)).toEqual([true]);
  });
});

describe('VTEX timezone.offset', () => {
  const withOffset = (offset: unknown) => ({
    ...structuredClone(createExample),
    timezone: { offset, value: 'Asia/Kolkata' },
  });

  it.each([
    ['fractional hours, as the guide types it (Float)', 5.5],
    ['whole hours', -3],
    ["minutes, as VTEX's OpenAPI example", 300],
  ])('takes %s', (_what, offset) => {
    const parsed = CreateServiceRequest.parse(withOffset(offset));
    const input = mapVtexCreateService(parsed, { now: new Date('2026-11-27T12:00:00.000Z'), creationGraceMs: 600_000 });
    expect(input.context?.timezone).toEqual({ offset, value: 'Asia/Kolkata' });
  });

  it('refuses an offset beyond a day of minutes, naming the field', () => {
    const parsed = CreateServiceRequest.safeParse(withOffset(1441));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['timezone', 'offset']);
  });
});

describe('VTEX totalDistanceTraveled', () => {
  it("is whole kilometres, as VTEX's OpenAPI example (2) reads", () => {
    expect(vtexDistanceTraveled(2_000)).toBe(2);
    expect(vtexDistanceTraveled(2_499)).toBe(2);
    expect(vtexDistanceTraveled(0)).toBe(0);
    expect(TrackingUpdate.safeParse({ totalDistanceTraveled: vtexDistanceTraveled(1_600) }).success).toBe(true);
  });
});

describe('VTEX prices we send are cents', () => {
  it('refuses a price in major units in the tracking PATCH and the Create answer', () => {
    expect(TrackingUpdate.safeParse({ shippingPrice: 12.5 }).success).toBe(false);
    expect(TrackingUpdate.safeParse({ shippingPrice: 1250 }).success).toBe(true);
  });
});

describe('VTEX Create service of type PICKUP (the customer collects in person)', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  const pickup = (receiver: Record<string, unknown> = {}) => {
    const body = structuredClone(createExample) as Record<string, any>;
    body.type = 'PICKUP';
    Object.assign(body.receiver, receiver);
    return CreateServiceRequest.parse(body);
  };

  it('at a pickup point elsewhere: one trip, the store to the point, the driver told to hand it over there', () => {
    const input = mapVtexCreateService(pickup(), { now, creationGraceMs: 600_000 });
    expect(input.spec.availability.origin.address).toContain('Sullivan Place');
    expect(input.spec.availability.destination.address).toContain('Billings Place');
    expect(input.spec.job.job_comment).toMatch(/^Pickup point: hand over at the point/);
  });

  it('at the store itself (same place within PICKUP_SAME_PLACE_METRES): refused naming type, no trip', () => {
    const store = createExample.sender;
    const atStore = pickup({
      location: { latitude: store.location.latitude + 0.0005, longitude: store.location.longitude },
    });
    expect(() => mapVtexCreateService(atStore, { now, creationGraceMs: 600_000 })).toThrow(
      expect.objectContaining({ path: 'type' }),
    );
  });

  it('at the store itself without coordinates: the same street in the same city is the same place', () => {
    const store = createExample.sender;
    const atStore = pickup({ location: null, address: store.address, city: store.city, number: store.number });
    const body = { ...atStore, sender: { ...atStore.sender, location: null } };
    expect(() => mapVtexCreateService(body, { now, creationGraceMs: 600_000 })).toThrow(
      expect.objectContaining({ path: 'type' }),
    );
  });

  it('is refused at /rates as at Create service: 400 naming type, no quote asked', async () => {
    const store = createExample.sender;
    const body = { ...structuredClone(createExample), carrierId: 'carrier', type: 'PICKUP' } as Record<string, any>;
    body.receiver.location = store.location;
    const res = await fetch(`${base}/vtex/rates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: Array<{ path: string }> }).details.map((d) => d.path)).toEqual(['type']);
  });
});
