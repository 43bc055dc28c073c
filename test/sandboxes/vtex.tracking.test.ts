/**
 * VTEX sandbox, the tracking hook API (VTEX's guide "Update shipping services"): authentication, strict
 * bodies per the shared contract, VTEX's guide's success answers, and the service record they build.
 */
import { ServiceRecord, TOKEN_EXPIRED_MESSAGE, MAX_INLINE_LABEL_BYTES } from '../../contracts/vtex';
import { startVtexSandbox, type VtexSandbox } from '../../sandboxes';
import { call, fixture, type Reply } from './support/http';
import { tokenFrom } from './support/vtex';

const apiKey = 'test-vtex-api-key';
const carrierId = 'carrier-1';
let vtex: VtexSandbox;
let jwt: string;
let n = 0;

beforeAll(async () => {
  vtex = await startVtexSandbox({ apiKey, unknownServices: 'reject', carrierName: 'Test Carrier' });
});
afterAll(() => vtex.close());
beforeEach(async () => {
  jwt = await tokenFrom(vtex.url, apiKey);
});

/** A fresh service known to the sandbox (as if VTEX created it long ago). */
function newService(): string {
  const serviceId = `svc-${++n}`;
  vtex.registerService({ carrierId, serviceId, orderId: `order-${n}` });
  return serviceId;
}

function hook(
  method: string,
  kind: string | null,
  serviceId: string,
  body?: unknown,
  auth: string | null = jwt,
): Promise<Reply> {
  const path = kind ? `/tracking/hook/${kind}/${carrierId}/${serviceId}` : `/tracking/hook/${carrierId}/${serviceId}`;
  return call(method, `${vtex.url}${path}`, { body, headers: auth === null ? {} : { authorization: auth } });
}

function expectBadRequest(reply: Reply, path: string): void {
  expect(reply.status).toBe(400);
  expect(reply.body.message).toBe('Bad request');
  expect(reply.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]),
  );
}

describe('authentication', () => {
  test('a call without Authorization gets 401', async () => {
    const reply = await hook('GET', null, newService(), undefined, null);
    expect(reply.status).toBe(401);
    expect(reply.body.message).toEqual(expect.any(String));
  });

  test('a forged token, or one signed by another sandbox run, gets 401', async () => {
    const serviceId = newService();
    expect((await hook('GET', null, serviceId, undefined, 'not-a-jwt')).status).toBe(401);
    const other = await startVtexSandbox({ apiKey });
    try {
      const foreign = await tokenFrom(other.url, apiKey);
      expect((await hook('GET', null, serviceId, undefined, foreign)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test("the raw JWT (as VTEX's guide says) and, leniently, `Bearer <jwt>` are both accepted", async () => {
    const serviceId = newService();
    expect((await hook('GET', null, serviceId, undefined, jwt)).status).toBe(200);
    expect((await hook('GET', null, serviceId, undefined, `Bearer ${jwt}`)).status).toBe(200);
  });

  test('after POST /_sandbox/token/expire-now an old token gets 401 "Authentication token expired"; a new one works', async () => {
    const serviceId = newService();
    const expire = await call('POST', `${vtex.url}/_sandbox/token/expire-now`);
    expect(expire.body.expired).toBeGreaterThanOrEqual(1);
    const refused = await hook('GET', null, serviceId);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ message: TOKEN_EXPIRED_MESSAGE });
    const fresh = await tokenFrom(vtex.url, apiKey);
    expect((await hook('GET', null, serviceId, undefined, fresh)).status).toBe(200);
  });

  test("expiredTokenStatus 403 answers VTEX OpenAPI's 403 {message: 'Authentication token expired', requestId}", async () => {
    const serviceId = newService();
    vtex.setExpiredTokenStatus(403);
    try {
      vtex.expireTokens();
      const refused = await hook('PATCH', null, serviceId, { status: 'ASSIGNED' });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({
        message: TOKEN_EXPIRED_MESSAGE,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    } finally {
      vtex.setExpiredTokenStatus(401);
    }
    expect(vtex.service(carrierId, serviceId)?.status).toBe('PENDING');
  });

  test('a token expires by itself after tokenTtlSeconds', async () => {
    const short = await startVtexSandbox({ apiKey, tokenTtlSeconds: 1, expiredTokenStatus: 403 });
    try {
      short.registerService({ carrierId, serviceId: 's' });
      const token = await tokenFrom(short.url, apiKey);
      const url = `${short.url}/tracking/hook/${carrierId}/s`;
      expect((await call('GET', url, { headers: { authorization: token } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const refused = await call('GET', url, { headers: { authorization: token } });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe(TOKEN_EXPIRED_MESSAGE);
    } finally {
      await short.close();
    }
  });

  test('recorded tracking calls show the JWT masked', async () => {
    vtex.clearCalls();
    await hook('GET', null, newService());
    const [record] = vtex.calls({ path: '/tracking/hook/' });
    expect(record?.headers.authorization).toBe('[masked]');
    expect(JSON.stringify(vtex.calls())).not.toContain(jwt);
  });
});

describe('PATCH /tracking/hook/{carrierId}/{serviceId}', () => {
  test("VTEX's guide's Update service example answers 'Service updated successfully' with the body as data", async () => {
    const serviceId = newService();
    const body = fixture('vtex.patch.json');
    const reply = await hook('PATCH', null, serviceId, body);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ message: 'Service updated successfully', data: body });
    const record = vtex.service(carrierId, serviceId)!;
    expect(record).toMatchObject({
      status: 'PENDING',
      agent: body.agent,
      trackingUrl: body.trackingUrl,
      totalDistanceTraveled: 2,
      rating: 5,
      shippingPrice: 150000,
      shippingEstimatedDate: body.shippingEstimatedDate,
    });
  });

  test("each status appends a STATUS timeline entry described like the seed's; DELIVERED sets shippingFinishedDate", async () => {
    const serviceId = newService();
    const trackingUrl = 'https://track.example/1';
    for (const status of ['ASSIGNED', 'PICKED', 'ON_ROUTE', 'DELIVERED']) {
      expect(
        (await hook('PATCH', null, serviceId, { status, trackingUrl, rating: 4, totalDistanceTraveled: 1200 })).status,
      ).toBe(200);
    }
    const record = vtex.service(carrierId, serviceId)!;
    const statusEntries = record.timeline.filter((e) => e.type === 'STATUS').slice(2);
    expect(statusEntries.map((e) => e.description)).toEqual([
      'Assigned courier',
      'Courier picked the package',
      'Courier on route',
      'The package was delivered',
    ]);
    expect(statusEntries[3]).toMatchObject({
      author: 'System',
      metaData: { status: 'DELIVERED', trackingUrl, rating: 4, totalDistanceTraveled: 1200 },
    });
    expect(record.status).toBe('DELIVERED');
    expect(record.shippingFinishedDate).toEqual(expect.any(String));
  });

  test('statuses out of order are accepted and recorded as they came (ordering is the caller’s job)', async () => {
    const serviceId = newService();
    for (const status of ['DELIVERED', 'ASSIGNED'])
      expect((await hook('PATCH', null, serviceId, { status })).status).toBe(200);
    expect(vtex.service(carrierId, serviceId)?.status).toBe('ASSIGNED');
  });

  test.each([
    ['a status the carrier may not set', { status: 'CANCELED' }, 'status'],
    ['an unknown status', { status: 'LOST' }, 'status'],
    ['an unknown field', { state: 'ASSIGNED' }, '(body)'],
    ['an agent without name', { agent: { id: 'a1' } }, 'agent.name'],
    ['a vehicle outside the enum', { agent: { id: 'a1', name: 'Ana', vehicle: 'motorcycle' } }, 'agent.vehicle'],
    ['a rating above 5', { rating: 6 }, 'rating'],
    ['a fractional distance', { totalDistanceTraveled: 2.5 }, 'totalDistanceTraveled'],
  ])('rejects %s with 400 naming the field', async (_what, body, path) => {
    const serviceId = newService();
    expectBadRequest(await hook('PATCH', null, serviceId, body), path);
    expect(vtex.service(carrierId, serviceId)?.timeline).toHaveLength(2);
  });
});

describe('notes, evidences, labels', () => {
  test("VTEX's guide's notes example is saved with dates and a NOTE timeline entry whose metaData is {'0': …, '1': …}", async () => {
    const serviceId = newService();
    const body = fixture('vtex.notes.json');
    const reply = await hook('POST', 'notes', serviceId, body);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ message: 'Notes saved successfully', data: body });
    const record = vtex.service(carrierId, serviceId)!;
    expect(record.notes).toEqual([
      { type: 'ERROR', content: 'El paquete tarda en ser despachado', author: 'Oscar Rojas', date: expect.any(String) },
      { type: 'COMMENT', content: 'El paquete fue recogido', author: 'Oscar Rojas', date: expect.any(String) },
    ]);
    expect(record.timeline.at(-1)).toMatchObject({
      type: 'NOTE',
      description: 'A new note has been added',
      metaData: {
        '0': { type: 'ERROR', note: 'El paquete tarda en ser despachado', author: 'Oscar Rojas' },
        '1': { type: 'COMMENT' },
      },
    });
  });

  test('notes that are not a non-empty array of {type ERROR|COMMENT, note} get 400', async () => {
    const serviceId = newService();
    expectBadRequest(await hook('POST', 'notes', serviceId, { type: 'COMMENT', note: 'x' }), '(body)');
    expectBadRequest(await hook('POST', 'notes', serviceId, []), '(body)');
    expectBadRequest(await hook('POST', 'notes', serviceId, [{ type: 'WARNING', note: 'x' }]), '0.type');
    expectBadRequest(await hook('POST', 'notes', serviceId, [{ type: 'COMMENT' }]), '0.note');
  });

  test("VTEX's guide's evidences example is saved with an EVIDENCE timeline entry", async () => {
    const serviceId = newService();
    const body = fixture('vtex.evidences.json');
    const reply = await hook('POST', 'evidences', serviceId, body);
    expect(reply.body).toEqual({ message: 'Evidences saved successfully', data: body });
    const record = vtex.service(carrierId, serviceId)!;
    expect(record.evidences.map((e) => e.type)).toEqual(['IMAGE', 'TEXT']);
    expect(record.evidences[0]).toMatchObject({ author: 'Felipe Cardenas', date: expect.any(String) });
    expect(record.timeline.at(-1)).toMatchObject({
      type: 'EVIDENCE',
      description: 'Added evidence',
      metaData: { '1': { type: 'TEXT' } },
    });
    expectBadRequest(await hook('POST', 'evidences', serviceId, [{ type: 'VIDEO', content: 'x' }]), '0.type');
  });

  test("VTEX's guide's label example is saved with a LABEL timeline entry", async () => {
    const serviceId = newService();
    const body = fixture('vtex.label.json');
    const reply = await hook('POST', 'labels', serviceId, body);
    expect(reply.body).toEqual({ message: 'Label saved successfully', data: body });
    const record = vtex.service(carrierId, serviceId)!;
    expect(record.labels).toEqual([body]);
    expect(record.timeline.at(-1)).toMatchObject({ type: 'LABEL', metaData: { '0': body } });
    expectBadRequest(await hook('POST', 'labels', serviceId, { ...body, type: 'PNG' }), 'type');
    expectBadRequest(await hook('POST', 'labels', serviceId, { id: 'x', url: 'y', type: 'PDF' }), 'name');
  });

  test('a BASE64 or TEXT label over 180 KB gets 400 on url; at the limit, or as PDF, it is accepted', async () => {
    const serviceId = newService();
    const over = 'A'.repeat(MAX_INLINE_LABEL_BYTES + 1);
    const at = 'A'.repeat(MAX_INLINE_LABEL_BYTES);
    expectBadRequest(
      await hook('POST', 'labels', serviceId, { id: 'l1', url: over, name: 'big', type: 'BASE64' }),
      'url',
    );
    expectBadRequest(
      await hook('POST', 'labels', serviceId, { id: 'l2', url: over, name: 'big', type: 'TEXT' }),
      'url',
    );
    expect((await hook('POST', 'labels', serviceId, { id: 'l3', url: at, name: 'ok', type: 'BASE64' })).status).toBe(
      200,
    );
    expect((await hook('POST', 'labels', serviceId, { id: 'l4', url: over, name: 'pdf', type: 'PDF' })).status).toBe(
      200,
    );
    expect(vtex.service(carrierId, serviceId)?.labels.map((l) => l.id)).toEqual(['l3', 'l4']);
  });
});

describe('cancel and on-hold', () => {
  test("VTEX's guide's cancel example cancels the service, keeps type and comment, sets shippingFinishedDate", async () => {
    const serviceId = newService();
    const body = fixture('vtex.cancel-hook.json');
    const reply = await hook('POST', 'cancel', serviceId, body);
    expect(reply.body).toEqual({ message: 'Service canceled successfully', data: body });
    const record = vtex.service(carrierId, serviceId)!;
    expect(record.status).toBe('CANCELED');
    expect(record.shippingFinishedDate).toEqual(expect.any(String));
    expect(record.timeline.at(-1)).toMatchObject({
      type: 'STATUS',
      metaData: { status: 'CANCELED', type: 'END_CLIENT_CANCELED', comment: body.comment },
    });
  });

  test('cancel refuses an on-hold type and a missing type with 400', async () => {
    const serviceId = newService();
    expectBadRequest(await hook('POST', 'cancel', serviceId, { type: 'END_CLIENT_PAUSE' }), 'type');
    expectBadRequest(await hook('POST', 'cancel', serviceId, { comment: 'no type' }), 'type');
  });

  test("VTEX's guide's on-hold example puts the service ON_HOLD; a cancel type is refused", async () => {
    const serviceId = newService();
    const body = fixture('vtex.on-hold.json');
    const reply = await hook('POST', 'on-hold', serviceId, body);
    expect(reply.body).toEqual({ message: 'Service on hold successfully', data: body });
    expect(vtex.service(carrierId, serviceId)?.status).toBe('ON_HOLD');
    expectBadRequest(await hook('POST', 'on-hold', serviceId, { type: 'END_CLIENT_CANCELED' }), 'type');
  });
});

describe('GET /tracking/hook/{carrierId}/{serviceId}', () => {
  test("answers {message: 'success', data} where data is a contract ServiceRecord with every key of VTEX's guide's example", async () => {
    const serviceId = newService();
    await hook('PATCH', null, serviceId, { status: 'ASSIGNED' });
    const reply = await hook('GET', null, serviceId);
    expect(reply.status).toBe(200);
    expect(reply.body.message).toBe('success');
    const data = reply.body.data;
    expect(ServiceRecord.safeParse(data).success).toBe(true);
    expect(data).toMatchObject({
      carrierId,
      orderId: `order-${n}`,
      serviceId: `${carrierId}&${serviceId}`,
      carrierName: 'Test Carrier',
      status: 'ASSIGNED',
    });
    expect(data.id).toMatch(/^[0-9a-f-]{36}$/);
    const seed = fixture('vtex.get-service.json').data;
    for (const key of Object.keys(seed)) expect(data).toHaveProperty(key);
    expect(Object.keys(data.timeline[0]).sort()).toEqual(Object.keys(seed.timeline[0]).sort());
  });

  test("the composite serviceId '{carrierId}&{serviceId}' in the path finds the same service", async () => {
    const serviceId = newService();
    const reply = await hook('GET', null, encodeURIComponent(`${carrierId}&${serviceId}`));
    expect(reply.status).toBe(200);
    expect(reply.body.data.serviceId).toBe(`${carrierId}&${serviceId}`);
  });

  test("an unknown service gets 404 {message: 'Service not found'} when unknownServices is 'reject'", async () => {
    for (const method of ['GET', 'PATCH']) {
      const reply = await hook(method, null, 'never-created', method === 'PATCH' ? { status: 'ASSIGNED' } : undefined);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ message: 'Service not found' });
    }
    expect(vtex.service(carrierId, 'never-created')).toBeUndefined();
  });
});

describe("unknownServices 'register'", () => {
  let open: VtexSandbox;
  let token: string;
  beforeAll(async () => {
    open = await startVtexSandbox({ apiKey });
    token = await tokenFrom(open.url, apiKey);
  });
  afterAll(() => open.close());

  test('the first authorized call for an unknown service registers it, confirmed, with orderId ""', async () => {
    const url = `${open.url}/tracking/hook/c9/fresh-1`;
    const reply = await call('PATCH', url, { body: { status: 'ASSIGNED' }, headers: { authorization: token } });
    expect(reply.status).toBe(200);
    expect(open.service('c9', 'fresh-1')).toMatchObject({
      carrierId: 'c9',
      serviceId: 'c9&fresh-1',
      orderId: '',
      status: 'ASSIGNED',
    });
    expect(open.services()).toEqual([
      expect.objectContaining({ carrierId: 'c9', serviceId: 'fresh-1', registeredBy: 'tracking-call' }),
    ]);
  });

  test('an invalid body registers nothing, and an unauthorized call registers nothing', async () => {
    expect(
      (
        await call('PATCH', `${open.url}/tracking/hook/c9/fresh-2`, {
          body: { status: 'LOST' },
          headers: { authorization: token },
        })
      ).status,
    ).toBe(400);
    expect((await call('PATCH', `${open.url}/tracking/hook/c9/fresh-3`, { body: { status: 'ASSIGNED' } })).status).toBe(
      401,
    );
    expect(open.service('c9', 'fresh-2')).toBeUndefined();
    expect(open.service('c9', 'fresh-3')).toBeUndefined();
  });
});
