/**
 * Delivery Engine sandbox, authentication and slots (docs/partners.md "Delivery Engine"): availability with a
 * deterministic price, the slot check, the extension, and expiry.
 */
import { AvailabilityResponse, SlotCheckResponse } from '../../contracts/deliveryEngine';
import { startDeliveryEngineSandbox, type EngineSandbox } from '../../sandboxes';
import { DEFAULT_DISTANCE_M, distanceMetres, slotPrice } from '../../sandboxes/deliveryEngine/pricing';
import { auth, availabilityBody, createJobBody, engineKey, newSlot } from './support/engine';
import { call } from './support/http';

const HOLD_MS = 60_000;
let engine: EngineSandbox;

beforeAll(async () => {
  engine = await startDeliveryEngineSandbox({ apiKey: engineKey, slotHoldMs: HOLD_MS });
});
afterAll(() => engine.close());

test.each([
  ['no Authorization', {}],
  ['a wrong key', { authorization: 'Bearer nope' }],
  ['the key without Bearer', { authorization: engineKey }],
])('every engine path answers 401 with %s', async (_what, headers) => {
  for (const [method, path] of [
    ['POST', '/jobs/availability'],
    ['POST', '/jobs'],
    ['GET', '/jobs/x'],
    ['GET', '/jobs/availability/x/check'],
    ['PUT', '/jobs/x/extend-expiration-time'],
  ] as const) {
    const reply = await call(method, `${engine.url}${path}`, { headers, body: method === 'GET' ? undefined : {} });
    expect(reply.status).toBe(401);
  }
});

test('availability answers a held slot: contract shape, expires slotHoldMs from now, the next 2-hour window from the next full hour', async () => {
  const before = Date.now();
  const reply = await call('POST', `${engine.url}/jobs/availability`, { body: availabilityBody(), headers: auth });
  expect(reply.status).toBe(200);
  const slot = AvailabilityResponse.parse(reply.body);
  expect(Date.parse(slot.expires_at)).toBeGreaterThanOrEqual(before + HOLD_MS);
  expect(Date.parse(slot.expires_at)).toBeLessThanOrEqual(Date.now() + HOLD_MS);
  const starts = Date.parse(slot.starts_at);
  expect(starts % 3_600_000).toBe(0);
  expect(starts).toBeGreaterThan(before);
  expect(starts - before).toBeLessThanOrEqual(3_600_000);
  expect(Date.parse(slot.ends_at) - starts).toBe(2 * 3_600_000);
});

test('the price is a deterministic function of haversine distance and total weight', async () => {
  const price = async (body: unknown) =>
    (await call('POST', `${engine.url}/jobs/availability`, { body, headers: auth })).body.price as number;
  const base = availabilityBody();
  const p1 = await price(base);
  expect(await price(base)).toBe(p1);
  const distance = distanceMetres(base.origin, base.destination);
  expect(distance).toBeGreaterThan(100_000);
  expect(distance).toBeLessThan(120_000);
  expect(p1).toBe(slotPrice(distance, 3));
  expect(await price({ ...base, items: [{ id: 'a', name: 'b', quantity: 4, weight_kg: 1.5 }] })).toBeGreaterThan(p1);
  const near = { ...base, destination: { ...base.destination, latitude: -23.53, longitude: -46.44 } };
  expect(await price(near)).toBeLessThan(p1);
  const noCoordinates = { ...base, destination: { address: 'x', city: 'y', state: 'z', country: 'BRA' } };
  expect(await price(noCoordinates)).toBe(slotPrice(DEFAULT_DISTANCE_M, 3));
});

test('a window in the future is used as given; one in the past gets the next 2-hour slot', async () => {
  const starts_at = new Date(Date.now() + 26 * 3_600_000).toISOString();
  const ends_at = new Date(Date.now() + 28 * 3_600_000).toISOString();
  const future = await call('POST', `${engine.url}/jobs/availability`, {
    body: availabilityBody({ window: { starts_at, ends_at } }),
    headers: auth,
  });
  expect(future.body).toMatchObject({ starts_at, ends_at });
  const past = await call('POST', `${engine.url}/jobs/availability`, {
    body: availabilityBody({ window: { starts_at: '2020-01-01T10:00:00Z', ends_at: '2020-01-01T12:00:00Z' } }),
    headers: auth,
  });
  expect(Date.parse(past.body.starts_at)).toBeGreaterThan(Date.now());
});

test.each([
  ['no destination', { destination: undefined }, 'destination'],
  ['no items', { items: [] }, 'items'],
  ['an item without quantity', { items: [{ id: 'a', name: 'b' }] }, 'items.0.quantity'],
  [
    'a latitude out of range',
    { origin: { address: 'a', city: 'b', state: 'c', country: 'd', latitude: 123 } },
    'origin.latitude',
  ],
  [
    'a window that ends before it starts',
    { window: { starts_at: '2031-01-01T12:00:00Z', ends_at: '2031-01-01T10:00:00Z' } },
    'window.ends_at',
  ],
])('availability with %s answers 400 naming the field', async (_what, overrides, path) => {
  const reply = await call('POST', `${engine.url}/jobs/availability`, {
    body: availabilityBody(overrides),
    headers: auth,
  });
  expect(reply.status).toBe(400);
  expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
});

test('the slot check says valid until the slot expires or a job takes it; unknown slots are 404', async () => {
  const slotId = await newSlot(engine.url);
  const check = await call('GET', `${engine.url}/jobs/availability/${slotId}/check`, { headers: auth });
  expect(SlotCheckResponse.parse(check.body)).toMatchObject({ slot_id: slotId, valid: true });
  const created = await call('POST', `${engine.url}/jobs`, {
    body: createJobBody(slotId, 'http://127.0.0.1:9/hook'),
    headers: auth,
  });
  expect(created.status).toBe(201);
  expect((await call('GET', `${engine.url}/jobs/availability/${slotId}/check`, { headers: auth })).body.valid).toBe(
    false,
  );
  expect((await call('GET', `${engine.url}/jobs/availability/nope/check`, { headers: auth })).status).toBe(404);
});

test('extending a valid slot sets its expiry to now + 3 holds; an expired one answers 417; an unknown one 404', async () => {
  const slotId = await newSlot(engine.url);
  const before = Date.now();
  const extended = await call('PUT', `${engine.url}/jobs/${slotId}/extend-expiration-time`, { headers: auth });
  expect(extended.status).toBe(200);
  expect(Date.parse(extended.body.expires_at)).toBeGreaterThanOrEqual(before + 3 * HOLD_MS);
  expect(Date.parse(extended.body.expires_at)).toBeLessThanOrEqual(Date.now() + 3 * HOLD_MS);
  const expire = await call('POST', `${engine.url}/_sandbox/slots/expire-now`);
  expect(expire.body.expired).toBeGreaterThanOrEqual(1);
  const late = await call('PUT', `${engine.url}/jobs/${slotId}/extend-expiration-time`, { headers: auth });
  expect(late.status).toBe(417);
  expect(late.body).toEqual({ message: 'Slot expired' });
  expect((await call('GET', `${engine.url}/jobs/availability/${slotId}/check`, { headers: auth })).body.valid).toBe(
    false,
  );
  expect((await call('PUT', `${engine.url}/jobs/nope/extend-expiration-time`, { headers: auth })).status).toBe(404);
});

test('a slot expires by itself after slotHoldMs: POST /jobs then answers 417', async () => {
  const quick = await startDeliveryEngineSandbox({ apiKey: engineKey, slotHoldMs: 150 });
  try {
    const slotId = await newSlot(quick.url);
    await new Promise((r) => setTimeout(r, 200));
    expect((await call('GET', `${quick.url}/jobs/availability/${slotId}/check`, { headers: auth })).body.valid).toBe(
      false,
    );
    const reply = await call('POST', `${quick.url}/jobs`, {
      body: createJobBody(slotId, 'http://127.0.0.1:9/hook'),
      headers: auth,
    });
    expect(reply.status).toBe(417);
    expect(reply.body).toEqual({ message: 'Slot expired' });
  } finally {
    await quick.close();
  }
});
