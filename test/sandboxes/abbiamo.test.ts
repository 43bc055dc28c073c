/**
 * Abbiamo sandbox: DELIVERY_REQUEST events to our intake with fresh ids and headers, its carrier
 * status endpoints with Abbiamo's rules, the confirmation timeout, a seller's cancellation.
 */
import { DeliveryRequestEvent } from '../../contracts/abbiamo';
import { startAbbiamoSandbox, type AbbiamoSandbox } from '../../sandboxes';
import { call, eventually, fixture } from './support/http';
import { startReceiver, type Receiver } from './support/receiver';

const intakeToken = 'test-intake-token';
const carrierKey = 'test-carrier-key';
let intake: Receiver;
let abbiamo: AbbiamoSandbox;

beforeAll(async () => {
  intake = await startReceiver();
  intake.answer('/marketplace/events', () => ({ status: 202, body: { accepted: true } }));
  abbiamo = await startAbbiamoSandbox({ intake: { url: intake.url, token: intakeToken }, carrierKey });
});
afterAll(async () => {
  await abbiamo.close();
  await intake.close();
});
beforeEach(() => {
  intake.received.length = 0;
});

/** A delivery Abbiamo sent, and a poster of status calls for it with the right headers. */
async function sentDelivery(sandbox = abbiamo) {
  const sent = await sandbox.sendDeliveryRequest();
  const event = sent.event as {
    deliveries: Array<{ delivery_id: string }>;
    logistic_data: { headers: Record<string, string> };
  };
  const deliveryId = event.deliveries[0]!.delivery_id;
  const headers = { ...event.logistic_data.headers, 'x-abbiamo-carrier-key': carrierKey };
  const post = (endpoint: string, body: Record<string, unknown>, extraHeaders: Record<string, string> = headers) =>
    call('POST', `${sandbox.url}/v1/delivery/${endpoint}`, {
      body: { delivery_id: deliveryId, ...body },
      headers: extraHeaders,
    });
  return { deliveryId, headers, post, createdAt: Date.parse(sandbox.delivery(deliveryId)!.createdAt) };
}
const iso = (ms: number) => new Date(ms).toISOString();

test("POST /_sandbox/events sends Abbiamo's first example with fresh delivery_id, order_number and headers", async () => {
  const first = await call('POST', `${abbiamo.url}/_sandbox/events`);
  await call('POST', `${abbiamo.url}/_sandbox/events`, { body: {} });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ status: 202, body: { accepted: true }, durationMs: expect.any(Number) });
  const [a, b] = intake.received;
  expect(a!.path).toBe('/marketplace/events');
  expect(a!.headers.authorization).toBe(`Bearer ${intakeToken}`);
  expect(DeliveryRequestEvent.safeParse(a!.body).success).toBe(true);
  const example = fixture('abbiamo.delivery-request.json');
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
  expect(delivery.delivery_id).not.toBe(b!.body.deliveries[0].delivery_id);
  expect(a!.body.logistic_data.headers.Authorization).toMatch(/^Bearer [\w-]{20,}$/);
  // Filed before it was sent: PENDING, unconfirmed.
  expect(abbiamo.delivery(delivery.delivery_id)).toMatchObject({ status: 'PENDING', confirmed: false });
});

test('takes status calls in order: confirmed, the steps, a terminal; GET /v1/delivery/:id shows it', async () => {
  const { deliveryId, post, headers, createdAt } = await sentDelivery();
  const steps: Array<[string, Record<string, unknown>]> = [
    ['confirmed', { external_id: 'job-1', collect_verification_code: '0427', price: 1000 }],
    ['handling', { sub_status: 'DRIVER_ASSIGNED', driver_name: 'Ana Souza', vehicle: 'moto' }],
    ['collecting-delivery', {}],
    ['at-pickup-point', {}],
    ['start-delivery', {}],
    ['successful', {}],
  ];
  for (const [i, [endpoint, extra]] of steps.entries()) {
    const answer = await post(endpoint, { event_at: iso(createdAt + 1000 * (i + 1)), ...extra });
    expect([endpoint, answer.status, answer.body]).toEqual([endpoint, 200, { success: true }]);
  }
  const read = await call('GET', `${abbiamo.url}/v1/delivery/${deliveryId}`, { headers });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({
    deliveryId,
    status: 'SUCCESSFUL',
    subStatus: 'DELIVERED',
    confirmed: true,
    externalId: 'job-1',
    collectVerificationCode: '0427',
    driver: { name: 'Ana Souza', vehicle: 'moto' },
    terminal: { endpoint: 'successful' },
    headers: {},
  });
  expect(abbiamo.statusCalls(deliveryId).every((c) => c.outcome === 'accepted' && c.eventHeaders)).toBe(true);
});

test('refuses with 422 and the documented code: before the delivery, terminal again, after the terminal', async () => {
  const { deliveryId, post, createdAt } = await sentDelivery();
  expect((await post('confirmed', { event_at: iso(createdAt - 1) })).body).toEqual({
    code: 'EVENT_AT_BEFORE_DELIVERY_CREATED_AT',
    message: expect.any(String),
  });
  await post('confirmed', { event_at: iso(createdAt + 10) });
  await post('start-delivery', { event_at: iso(createdAt + 20) });
  expect((await post('successful', { event_at: iso(createdAt + 30) })).status).toBe(200);
  const again = await post('returned', { event_at: iso(createdAt + 40) });
  expect([again.status, again.body.code]).toEqual([422, 'EVENT_CANNOT_BE_TERMINAL_AGAIN']);
  const after = await post('handling', { event_at: iso(createdAt + 50), sub_status: 'X' });
  expect([after.status, after.body.code]).toEqual([422, 'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS']);
  // An earlier-dated non-terminal event inside the 24 hours is taken, without moving the status.
  expect((await post('at-pickup-point', { event_at: iso(createdAt + 15) })).status).toBe(200);
  expect(abbiamo.delivery(deliveryId)).toMatchObject({ status: 'SUCCESSFUL' });
  expect(abbiamo.statusCalls(deliveryId).map((c) => [c.endpoint, c.outcome, c.code ?? null])).toEqual([
    ['confirmed', 'refused', 'EVENT_AT_BEFORE_DELIVERY_CREATED_AT'],
    ['confirmed', 'accepted', null],
    ['start-delivery', 'accepted', null],
    ['successful', 'accepted', null],
    ['returned', 'refused', 'EVENT_CANNOT_BE_TERMINAL_AGAIN'],
    ['handling', 'refused', 'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS'],
    ['at-pickup-point', 'accepted', null],
  ]);
});

test('refuses an earlier-dated event more than 24 hours after the terminal: EVENT_NOT_IN_UPDATE_TIME_WINDOW', async () => {
  const { deliveryId, post, createdAt } = await sentDelivery();
  await post('confirmed', { event_at: iso(createdAt + 10) });
  await post('successful', { event_at: iso(createdAt + 30) });
  const delivery = abbiamo.delivery(deliveryId)!;
  // A day later, by the sandbox's clock.
  const later = Date.parse(delivery.terminal!.at) + 24 * 3600_000 + 1;
  const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
  try {
    const late = await post('start-delivery', { event_at: iso(createdAt + 20) });
    expect([late.status, late.body.code]).toEqual([422, 'EVENT_NOT_IN_UPDATE_TIME_WINDOW']);
  } finally {
    clock.mockRestore();
  }
});

test('drops silently an event dated like the previous one, and marks one dated earlier', async () => {
  const { deliveryId, post, createdAt } = await sentDelivery();
  await post('confirmed', { event_at: iso(createdAt + 10) });
  expect((await post('collecting-delivery', { event_at: iso(createdAt + 10) })).status).toBe(200);
  await post('at-pickup-point', { event_at: iso(createdAt + 30) });
  await post('start-delivery', { event_at: iso(createdAt + 20) });
  expect(abbiamo.statusCalls(deliveryId).map((c) => [c.endpoint, c.outcome, c.outOfOrder ?? false])).toEqual([
    ['confirmed', 'accepted', false],
    ['collecting-delivery', 'dropped', false],
    ['at-pickup-point', 'accepted', false],
    ['start-delivery', 'accepted', true],
  ]);
  expect(abbiamo.delivery(deliveryId)).toMatchObject({ status: 'START_DELIVERY' });
});

test('401 without our carrier key; records whether the event headers came; 404 and 400 for unknown or malformed', async () => {
  const { deliveryId, post, createdAt } = await sentDelivery();
  const event_at = iso(createdAt + 10);
  expect((await post('confirmed', { event_at }, { 'x-abbiamo-carrier-key': 'wrong' })).status).toBe(401);
  expect((await post('confirmed', { event_at }, { 'x-abbiamo-carrier-key': carrierKey })).status).toBe(200);
  expect(abbiamo.statusCalls(deliveryId)).toEqual([
    expect.objectContaining({ outcome: 'accepted', eventHeaders: false }),
  ]);
  expect((await post('confirmed', { event_at, delivery_id: 'unknown-delivery' })).status).toBe(404);
  expect((await post('teleported', { event_at: iso(createdAt + 20) })).status).toBe(404);
  const bad = await post('handling', { event_at: 'yesterday' });
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'event_at', message: expect.any(String) }]);
  // The carrier key is a secret: masked in the recorded calls.
  const recorded = abbiamo.calls({ method: 'POST', path: '^/v1/delivery/confirmed$' });
  expect(recorded.every((c) => c.headers['x-abbiamo-carrier-key'] === '[masked]')).toBe(true);
});

test('cancels a delivery left unconfirmed past the timeout and sends CANCELLATION_REQUEST CARRIER_TIMEOUT', async () => {
  const quick = await startAbbiamoSandbox({
    intake: { url: intake.url, token: intakeToken },
    carrierKey,
    confirmationTimeoutMs: 200,
  });
  try {
    const unconfirmed = await sentDelivery(quick);
    const confirmed = await sentDelivery(quick);
    await confirmed.post('confirmed', { event_at: iso(confirmed.createdAt + 10) });
    const cancellation = await eventually(() =>
      intake.received.find((r) => r.body?.event_type === 'CANCELLATION_REQUEST'),
    );
    expect(cancellation!.headers.authorization).toBe(`Bearer ${intakeToken}`);
    expect(cancellation!.body).toMatchObject({
      event_type: 'CANCELLATION_REQUEST',
      delivery_id: unconfirmed.deliveryId,
      status: 'ORDER_FAILED',
      sub_status: 'CARRIER_TIMEOUT',
      timestamp: expect.any(Number),
      event_at: expect.any(String),
    });
    expect(quick.delivery(unconfirmed.deliveryId)).toMatchObject({
      status: 'ORDER_FAILED',
      subStatus: 'CARRIER_TIMEOUT',
    });
    // A confirmation after the timeout comes too late: the delivery already ended.
    const late = await unconfirmed.post('confirmed', { event_at: iso(Date.now() + 1000) });
    expect([late.status, late.body.code]).toEqual([422, 'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS']);
    await new Promise((r) => setTimeout(r, 300));
    expect(intake.received.filter((r) => r.body?.event_type === 'CANCELLATION_REQUEST')).toHaveLength(1);
    expect(quick.delivery(confirmed.deliveryId)).toMatchObject({ status: 'DISPATCHED' });
  } finally {
    await quick.close();
  }
});

test('the seller cancels on command before collection; after collection only when forced', async () => {
  const before = await sentDelivery();
  await before.post('confirmed', { event_at: iso(before.createdAt + 10) });
  await before.post('collecting-delivery', { event_at: iso(before.createdAt + 20) });
  const answer = await call('POST', `${abbiamo.url}/_sandbox/deliveries/${before.deliveryId}/cancel`);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ status: 202 });
  expect(intake.received.at(-1)!.body).toMatchObject({
    event_type: 'CANCELLATION_REQUEST',
    delivery_id: before.deliveryId,
    sub_status: 'SELLER_CANCELED',
  });
  expect(abbiamo.delivery(before.deliveryId)).toMatchObject({
    status: 'ORDER_FAILED',
    subStatus: 'SELLER_CANCELED',
    cancellations: [{ subStatus: 'SELLER_CANCELED', answer: { status: 202 } }],
  });

  const after = await sentDelivery();
  await after.post('confirmed', { event_at: iso(after.createdAt + 10) });
  await after.post('start-delivery', { event_at: iso(after.createdAt + 20) });
  expect((await call('POST', `${abbiamo.url}/_sandbox/deliveries/${after.deliveryId}/cancel`)).status).toBe(409);
  const forced = await call('POST', `${abbiamo.url}/_sandbox/deliveries/${after.deliveryId}/cancel`, {
    body: { force: true },
  });
  expect(forced.body).toMatchObject({ status: 202 });
});

test('the confirmation timeout is settable at run time', async () => {
  const set = await call('PUT', `${abbiamo.url}/_sandbox/confirmation-timeout`, { body: { ms: 1500 } });
  expect(set.body).toEqual({ confirmationTimeoutMs: 1500 });
  expect((await call('PUT', `${abbiamo.url}/_sandbox/confirmation-timeout`, { body: { ms: -1 } })).status).toBe(400);
  abbiamo.setConfirmationTimeout(30 * 60_000);
});

test('faults apply to the carrier endpoints like on every sandbox', async () => {
  const { post, createdAt } = await sentDelivery();
  abbiamo.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/v1/delivery/' });
  try {
    expect((await post('confirmed', { event_at: iso(createdAt + 10) })).status).toBe(503);
  } finally {
    abbiamo.resetFaults();
  }
  expect((await post('confirmed', { event_at: iso(createdAt + 10) })).status).toBe(200);
});

test('a status call for a delivery it never sent: 404, or filed then with unknownDeliveries: register', async () => {
  const lenient = await startAbbiamoSandbox({ carrierKey, unknownDeliveries: 'register' });
  try {
    const body = { delivery_id: 'posted-straight-to-the-intake', event_at: new Date().toISOString() };
    const headers = { 'x-abbiamo-carrier-key': carrierKey };
    expect((await call('POST', `${abbiamo.url}/v1/delivery/confirmed`, { body, headers })).status).toBe(404);
    expect((await call('POST', `${lenient.url}/v1/delivery/confirmed`, { body, headers })).status).toBe(200);
    expect(lenient.delivery(body.delivery_id)).toMatchObject({ status: 'DISPATCHED', createdAt: body.event_at });
  } finally {
    await lenient.close();
  }
});
