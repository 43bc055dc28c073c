/**
 * Marketplace sandbox (seed 002, CONTRACT.md section 6): DELIVERY_REQUEST events to our intake with
 * fresh ids and callback headers, and our status callbacks checked against the shared contract and
 * those headers.
 */
import { randomUUID } from 'node:crypto';
import { DeliveryRequestEvent } from '../../contracts/marketplace';
import { startMarketplaceSandbox, type MarketplaceSandbox } from '../../sandboxes';
import { call, fixture } from './support/http';
import { startReceiver, type Receiver } from './support/receiver';

const intakeToken = 'test-intake-token';
let intake: Receiver;
let marketplace: MarketplaceSandbox;

beforeAll(async () => {
  intake = await startReceiver();
  intake.answer('/marketplace/events', () => ({ status: 202, body: { accepted: true } }));
  marketplace = await startMarketplaceSandbox({ intake: { url: intake.url, token: intakeToken } });
});
afterAll(async () => {
  await marketplace.close();
  await intake.close();
});
beforeEach(() => {
  intake.received.length = 0;
});

function callback(deliveryId: string, overrides: Record<string, unknown> = {}) {
  return {
    event_id: randomUUID(),
    status: 'ASSIGNED',
    occurred_at: new Date().toISOString(),
    tracking: 'a-vBGOS',
    delivery_id: deliveryId,
    order_number: 'example_carrier_payload_1',
    agent: { id: 'courier-1', name: 'Ana Souza', vehicle: 'motorcycle' },
    ...overrides,
  };
}

const post = (deliveryId: string, body: unknown, headers: Record<string, string>) =>
  call('POST', `${marketplace.url}/deliveries/${deliveryId}/events`, { body, headers });

test("POST /_sandbox/events sends seed 002's first example with fresh delivery_id, order_number and callback headers", async () => {
  const first = await call('POST', `${marketplace.url}/_sandbox/events`);
  await call('POST', `${marketplace.url}/_sandbox/events`, { body: {} });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ status: 202, body: { accepted: true }, durationMs: expect.any(Number) });
  const [a, b] = intake.received;
  expect(a!.path).toBe('/marketplace/events');
  expect(a!.headers.authorization).toBe(`Bearer ${intakeToken}`);
  expect(a!.body).toEqual(first.body.event);
  expect(DeliveryRequestEvent.safeParse(a!.body).success).toBe(true);
  const example = fixture('marketplace.delivery-request.json');
  const [delivery] = a!.body.deliveries;
  expect({
    ...a!.body,
    deliveries: [{ ...delivery, delivery_id: 'x', order_number: 'y' }],
    logistic_data: null,
  }).toEqual({
    ...example,
    deliveries: [{ ...example.deliveries[0], delivery_id: 'x', order_number: 'y' }],
    logistic_data: null,
  });
  expect(delivery.delivery_id).not.toBe(example.deliveries[0].delivery_id);
  expect(delivery.delivery_id).not.toBe(b!.body.deliveries[0].delivery_id);
  expect(delivery.order_number).not.toBe(b!.body.deliveries[0].order_number);
  expect(a!.body.logistic_data.headers.Authorization).toMatch(/^Bearer [\w-]{20,}$/);
  expect(a!.body.logistic_data.headers.Authorization).not.toBe(b!.body.logistic_data.headers.Authorization);
});

test('a callback carrying the headers handed out in the event is accepted and listed per delivery in arrival order', async () => {
  const sent = await marketplace.sendDeliveryRequest();
  const event = sent.event as {
    deliveries: Array<{ delivery_id: string }>;
    logistic_data: { headers: Record<string, string> };
  };
  const deliveryId = event.deliveries[0]!.delivery_id;
  const headers = event.logistic_data.headers;
  const assigned = callback(deliveryId);
  const picked = callback(deliveryId, { status: 'PICKED' });
  expect((await post(deliveryId, assigned, headers)).body).toEqual({
    message: 'Event received',
    event_id: assigned.event_id,
  });
  expect((await post(deliveryId, picked, { authorization: headers.Authorization! })).status).toBe(200);
  expect((await post(deliveryId, assigned, headers)).status).toBe(200);
  const listed = await call('GET', `${marketplace.url}/_sandbox/deliveries/${deliveryId}/events`);
  expect(listed.body.map((r: any) => [r.callback.status, r.duplicate])).toEqual([
    ['ASSIGNED', false],
    ['PICKED', false],
    ['ASSIGNED', true],
  ]);
  expect(marketplace.callbacks(deliveryId)).toEqual(listed.body);
  expect(marketplace.deliveries()).toEqual(
    expect.arrayContaining([{ deliveryId, callbacks: 3, lastStatus: 'ASSIGNED' }]),
  );
});

test("seed 002's own header set {Authorization: 'Bearer xxx'} is accepted by default", async () => {
  const deliveryId = fixture('marketplace.delivery-request.json').deliveries[0].delivery_id;
  expect((await post(deliveryId, callback(deliveryId), { Authorization: 'Bearer xxx' })).status).toBe(200);
});

test('a callback without headers, with a wrong value, or with only part of a header set gets 401 and is not kept', async () => {
  marketplace.acceptHeaders({ 'X-Carrier': 'c1', 'X-Secret': 's1' });
  const deliveryId = randomUUID();
  expect((await post(deliveryId, callback(deliveryId), {})).status).toBe(401);
  expect((await post(deliveryId, callback(deliveryId), { authorization: 'Bearer yyy' })).status).toBe(401);
  expect((await post(deliveryId, callback(deliveryId), { 'x-carrier': 'c1' })).status).toBe(401);
  expect((await post(deliveryId, callback(deliveryId), { 'x-carrier': 'c1', 'x-secret': 's1' })).status).toBe(200);
  expect(marketplace.callbacks(deliveryId)).toHaveLength(1);
});

test('acceptedHeaders replaces the seed default', async () => {
  const strict = await startMarketplaceSandbox({ acceptedHeaders: [{ Authorization: 'Bearer only-this' }] });
  try {
    const url = (id: string) => `${strict.url}/deliveries/${id}/events`;
    expect(
      (await call('POST', url('d1'), { body: callback('d1'), headers: { authorization: 'Bearer xxx' } })).status,
    ).toBe(401);
    expect(
      (await call('POST', url('d1'), { body: callback('d1'), headers: { authorization: 'Bearer only-this' } })).status,
    ).toBe(200);
  } finally {
    await strict.close();
  }
});

test.each([
  ['an unknown status', { status: 'LOST' }, 'status'],
  ['no event_id', { event_id: undefined }, 'event_id'],
  ['an occurred_at that is no ISO time', { occurred_at: 'yesterday' }, 'occurred_at'],
  ['a delivery_id other than the path', { delivery_id: 'another' }, 'delivery_id'],
  ['no order_number', { order_number: undefined }, 'order_number'],
])('a callback with %s gets 400 naming the field', async (_what, overrides, path) => {
  const deliveryId = randomUUID();
  const reply = await post(deliveryId, callback(deliveryId, overrides), { authorization: 'Bearer xxx' });
  expect(reply.status).toBe(400);
  expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  expect(marketplace.callbacks(deliveryId)).toEqual([]);
});

test('a given event is sent as given, and its logistic_data.headers become accepted', async () => {
  const event = fixture('marketplace.delivery-request-route.json');
  event.logistic_data.headers = { 'X-Api-Key': 'route-key' };
  const reply = await call('POST', `${marketplace.url}/_sandbox/events`, { body: { event } });
  expect(reply.status).toBe(200);
  expect(intake.received[0]!.body).toEqual(event);
  const deliveryId = event.deliveries[0].delivery_id;
  expect((await post(deliveryId, callback(deliveryId), { 'x-api-key': 'route-key' })).status).toBe(200);
});

test('POST /_sandbox/headers accepts a header set at run time; an empty set is refused', async () => {
  expect(
    (await call('POST', `${marketplace.url}/_sandbox/headers`, { body: { 'X-Token': 'admin-added' } })).status,
  ).toBe(204);
  expect((await call('POST', `${marketplace.url}/_sandbox/headers`, { body: {} })).status).toBe(400);
  expect((await post('d9', callback('d9'), { 'x-token': 'admin-added' })).status).toBe(200);
});

test('recorded callbacks show the Authorization header masked', async () => {
  marketplace.clearCalls();
  await post('d10', callback('d10'), { authorization: 'Bearer xxx' });
  const [record] = marketplace.calls({ path: '/deliveries/d10/events' });
  expect(record?.headers.authorization).toBe('[masked]');
});

test('without an intake, sending a DELIVERY_REQUEST answers 409', async () => {
  const alone = await startMarketplaceSandbox();
  try {
    expect((await call('POST', `${alone.url}/_sandbox/events`)).status).toBe(409);
    await expect(alone.sendDeliveryRequest()).rejects.toThrow(/No intake configured/);
  } finally {
    await alone.close();
  }
});
