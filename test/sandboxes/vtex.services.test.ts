/**
 * VTEX sandbox playing VTEX toward our intake (docs/partners.md sections 3 and 5): Create service and its
 * 5-second confirmation, Cancel and Pause service with the configuration's settings and our metaData.
 */
import { startVtexSandbox, type VtexSandbox } from '../../sandboxes';
import { call, eventually, fixture } from './support/http';
import { startReceiver, type Receiver } from './support/receiver';
import { tokenFrom } from './support/vtex';

const apiKey = 'test-vtex-api-key';
const intakeToken = 'test-intake-token';
const carrierId = 'sandbox-carrier';
let intake: Receiver;
let vtex: VtexSandbox;

/** Our intake's answer to Create service, as docs/intake-api.md shapes it. */
function goodAnswer(body: { orderId: string }) {
  return {
    status: 200,
    body: {
      status: 'PENDING',
      serviceId: `svc-${body.orderId}`,
      shippingPrice: 1250,
      metaData: { deliveryId: `d-${body.orderId}` },
      shippingEstimatedDate: '2030-01-01T12:00:00.000Z',
      labels: [],
    },
  };
}

beforeAll(async () => {
  intake = await startReceiver();
  intake.answer('/vtex/services', goodAnswer);
  intake.answer('/vtex/services/cancel', (body) => ({
    status: 200,
    body: { message: 'Service executed successfully', data: body },
  }));
  intake.answer('/vtex/services/pause', (body) => ({
    status: 200,
    body: { message: 'Service executed successfully', data: body },
  }));
  vtex = await startVtexSandbox({
    apiKey,
    carrierId,
    confirmationDelayMs: 400,
    intake: { url: intake.url, token: intakeToken },
  });
});
afterAll(async () => {
  await vtex.close();
  await intake.close();
});
beforeEach(() => {
  intake.received.length = 0;
});

test("POST /_sandbox/services sends VTEX's guide's Create service example, fresh orderId, with the intake's Bearer token", async () => {
  const first = await call('POST', `${vtex.url}/_sandbox/services`);
  await call('POST', `${vtex.url}/_sandbox/services`);
  expect(first.status).toBe(200);
  expect(intake.received.map((r) => r.path)).toEqual(['/vtex/services', '/vtex/services']);
  const [a, b] = intake.received;
  expect(a!.headers.authorization).toBe(`Bearer ${intakeToken}`);
  expect(a!.headers['content-type']).toMatch(/application\/json/);
  const example = fixture('vtex.create-service.json');
  expect({ ...a!.body, orderId: example.orderId }).toEqual({ ...example, carrierId });
  expect(a!.body.orderId).not.toBe(b!.body.orderId);
  expect(a!.body.orderId).not.toBe(example.orderId);
  expect(first.body).toMatchObject({
    status: 200,
    body: goodAnswer(a!.body).body,
    answeredAt: expect.any(String),
    durationMs: expect.any(Number),
    request: a!.body,
    vtexServiceId: `${carrierId}&svc-${a!.body.orderId}`,
    contractErrors: [],
  });
});

test('the service is recorded from the create body and our answer, readable without a token', async () => {
  const result = await vtex.createService();
  const orderId = (result.request as { orderId: string }).orderId;
  const reply = await call('GET', `${vtex.url}/_sandbox/services/${carrierId}/svc-${orderId}`);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({
    orderId,
    carrierId,
    serviceId: `${carrierId}&svc-${orderId}`,
    seller: 'qaolimpica',
    status: 'PENDING',
    type: 'PICKUP_DELIVERY',
    paymentMethod: 'CASH_ON_DELIVERY',
    carrierServiceType: 'OTHERS',
    shippingPrice: 1250,
    shippingEstimatedDate: '2030-01-01T12:00:00.000Z',
    metaData: { deliveryId: `d-${orderId}` },
    timezone: { offset: 300, value: 'America/Bogota', label: null },
  });
  expect(reply.body.packages).toHaveLength(1);
  expect(reply.body.timeline.map((e: { description: string }) => e.description)).toEqual([
    'Service creation',
    'Service pending',
  ]);
});

test('a tracking call earlier than confirmationDelayMs after our answer gets 404 (and is recorded); later ones work', async () => {
  const result = await vtex.createService();
  const serviceId = `svc-${(result.request as { orderId: string }).orderId}`;
  const jwt = await tokenFrom(vtex.url, apiKey);
  const url = `${vtex.url}/tracking/hook/${carrierId}/${serviceId}`;
  const early = await call('PATCH', url, { body: { status: 'ASSIGNED' }, headers: { authorization: jwt } });
  expect(early.status).toBe(404);
  expect(early.body).toEqual({ message: 'Service not found' });
  expect(vtex.calls({ method: 'PATCH', path: serviceId })).toEqual([expect.objectContaining({ status: 404 })]);
  expect(Date.parse(result.confirmedAt!) - Date.parse(result.answeredAt)).toBe(400);
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(result.confirmedAt!) - Date.now()) + 20));
  const late = await call('PATCH', url, { body: { status: 'ASSIGNED' }, headers: { authorization: jwt } });
  expect(late.status).toBe(200);
  expect(vtex.service(carrierId, serviceId)?.status).toBe('ASSIGNED');
});

test('an answer that breaks the Create service contract is reported in contractErrors', async () => {
  intake.answer('/vtex/services', (body) => ({
    status: 200,
    body: { status: 'PENDING', serviceId: `svc-${body.orderId}` },
  }));
  try {
    const result = await vtex.createService();
    expect(result.contractErrors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['shippingPrice', 'metaData', 'labels']),
    );
    expect(result.vtexServiceId).toEqual(expect.stringContaining('&svc-'));
  } finally {
    intake.answer('/vtex/services', goodAnswer);
  }
});

test('an answer other than 200 registers no service', async () => {
  intake.answer('/vtex/services', () => ({ status: 400, body: { error: 'bad', details: [] } }));
  try {
    const result = await vtex.createService();
    expect(result.status).toBe(400);
    expect(result.vtexServiceId).toBeNull();
    expect(vtex.service(carrierId, `svc-${(result.request as { orderId: string }).orderId}`)).toBeUndefined();
  } finally {
    intake.answer('/vtex/services', goodAnswer);
  }
});

test('a given Create service body is sent exactly as given, even one VTEX would never send', async () => {
  const body = { orderId: 'x', odd: true };
  const reply = await call('POST', `${vtex.url}/_sandbox/services`, { body });
  expect(reply.status).toBe(200);
  expect(intake.received[0]!.body).toEqual(body);
});

test("Cancel service sends VTEX's guide's body plus the create body's settings and our answer's metaData; 200 cancels the record", async () => {
  const created = await vtex.createService();
  const orderId = (created.request as { orderId: string }).orderId;
  intake.received.length = 0;
  const reply = await call('POST', `${vtex.url}/_sandbox/services/svc-${orderId}/cancel`, {
    body: { reason: 'La dirección de entrega esta mal registrada' },
  });
  expect(reply.status).toBe(200);
  expect(intake.received[0]!.path).toBe('/vtex/services/cancel');
  expect(intake.received[0]!.headers.authorization).toBe(`Bearer ${intakeToken}`);
  expect(intake.received[0]!.body).toEqual({
    serviceId: `svc-${orderId}`,
    carrierId,
    reason: 'La dirección de entrega esta mal registrada',
    settings: fixture('vtex.create-service.json').settings,
    metaData: { deliveryId: `d-${orderId}` },
  });
  expect(reply.body).toMatchObject({ status: 200, body: { message: 'Service executed successfully' } });
  expect(vtex.service(carrierId, `svc-${orderId}`)).toMatchObject({
    status: 'CANCELED',
    shippingFinishedDate: expect.any(String),
  });
});

test("Cancel service for a service the sandbox never saw sends VTEX's guide's example fields with null settings and metaData", async () => {
  const example = fixture('vtex.cancel-service.json');
  const result = await vtex.cancelService(example.serviceId, example.reason, example.carrierId);
  expect(result.request).toEqual({ ...example, settings: null, metaData: null });
  expect(intake.received[0]!.body).toEqual({ ...example, settings: null, metaData: null });
});

test('Pause service sends pause true then false; the record goes ON_HOLD and back to its status', async () => {
  const created = await vtex.createService();
  const serviceId = `svc-${(created.request as { orderId: string }).orderId}`;
  const paused = await call('POST', `${vtex.url}/_sandbox/services/${serviceId}/pause`, {
    body: { pause: true, reason: 'cliente ausente' },
  });
  expect(paused.status).toBe(200);
  expect(intake.received.at(-1)!.body).toMatchObject({
    serviceId,
    carrierId,
    pause: true,
    reason: 'cliente ausente',
    settings: expect.any(Array),
    metaData: expect.any(Object),
  });
  expect(vtex.service(carrierId, serviceId)?.status).toBe('ON_HOLD');
  await vtex.pauseService(serviceId, false, null);
  expect(intake.received.at(-1)!.body).toMatchObject({ pause: false, reason: null });
  expect(vtex.service(carrierId, serviceId)?.status).toBe('PENDING');
  const bad = await call('POST', `${vtex.url}/_sandbox/services/${serviceId}/pause`, {
    body: { reason: 'no pause flag' },
  });
  expect(bad.status).toBe(400);
});

test('POST /_sandbox/services/register registers a confirmed service by hand', async () => {
  const reply = await call('POST', `${vtex.url}/_sandbox/services/register`, {
    body: { carrierId, serviceId: 'by-hand', orderId: 'o-1', createdAt: '2030-01-01T00:00:00.000Z' },
  });
  expect(reply.status).toBe(201);
  expect(reply.body).toMatchObject({ serviceId: `${carrierId}&by-hand`, orderId: 'o-1', status: 'PENDING' });
  expect(reply.body.timeline[0].date).toBe('2030-01-01T00:00:00.000Z');
  const jwt = await tokenFrom(vtex.url, apiKey);
  expect(
    (await call('GET', `${vtex.url}/tracking/hook/${carrierId}/by-hand`, { headers: { authorization: jwt } })).status,
  ).toBe(200);
  expect((await call('POST', `${vtex.url}/_sandbox/services/register`, { body: { carrierId } })).status).toBe(400);
  expect((await call('GET', `${vtex.url}/_sandbox/services/${carrierId}/nobody`)).status).toBe(404);
});

test('PUT /_sandbox/get-service-shape makes Get service leave fields out, until set back to []', async () => {
  await call('POST', `${vtex.url}/_sandbox/services/register`, { body: { carrierId, serviceId: 'shaped' } });
  const jwt = await tokenFrom(vtex.url, apiKey);
  const read = async () =>
    (await call('GET', `${vtex.url}/tracking/hook/${carrierId}/shaped`, { headers: { authorization: jwt } })).body
      .data as Record<string, unknown>;
  const set = (omit: unknown) => call('PUT', `${vtex.url}/_sandbox/get-service-shape`, { body: { omit } });
  expect((await set(['timeline', 'status'])).status).toBe(200);
  const shaped = await read();
  expect('timeline' in shaped || 'status' in shaped).toBe(false);
  expect(shaped.notes).toEqual([]);
  expect((await set(['agent'])).status).toBe(400);
  expect((await set([])).status).toBe(200);
  expect(await read()).toMatchObject({ status: 'PENDING', timeline: expect.any(Array) });
});

test('playing VTEX without an intake answers 409; with an intake that does not answer, 502', async () => {
  const alone = await startVtexSandbox({ apiKey });
  try {
    const reply = await call('POST', `${alone.url}/_sandbox/services`);
    expect(reply.status).toBe(409);
    await expect(alone.createService()).rejects.toThrow(/No intake configured/);
    alone.setIntake({ url: 'http://127.0.0.1:9', token: 't', timeoutMs: 1000 });
    const unreachable = await call('POST', `${alone.url}/_sandbox/services`);
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.message).toMatch(/did not answer/);
  } finally {
    await alone.close();
  }
});

test('the whole flow is visible: create, wait for confirmation, update from the carrier side', async () => {
  const created = await vtex.createService();
  const serviceId = `svc-${(created.request as { orderId: string }).orderId}`;
  const jwt = await tokenFrom(vtex.url, apiKey);
  await eventually(
    async () => {
      const r = await call('PATCH', `${vtex.url}/tracking/hook/${carrierId}/${serviceId}`, {
        body: { status: 'ON_ROUTE' },
        headers: { authorization: jwt },
      });
      return r.status === 200;
    },
    3000,
    'confirmation',
  );
  const listed = await call('GET', `${vtex.url}/_sandbox/services`);
  expect(listed.body).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        serviceId,
        status: 'ON_ROUTE',
        registeredBy: 'create-service',
        answeredAt: created.answeredAt,
        confirmedAt: created.confirmedAt,
      }),
    ]),
  );
});
