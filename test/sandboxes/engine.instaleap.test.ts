/**
 * The Delivery Engine sandbox is a faithful Instaleap: x-api-key on every call, slot lists over a
 * window (at most 7 days, not in the past), slot check and extension, POST /jobs answering
 * {message, job_id} (a second create with the same reference makes a second job), GET /jobs/{id},
 * payment_info holds, cancel (409 once delivered), and every event signed to the account's
 * registered URLs, retried, duplicated or reordered as asked.
 */
import { signatureFor } from '../../contracts/webhookKey';
import { startDeliveryEngineSandbox, type EngineSandbox } from '../../sandboxes';
import { call } from './support/http';
import {
  auth,
  availabilityBody,
  createJobBody,
  engineKey,
  engineWebhookSecret,
  newJob,
  newSlot,
} from './support/engine';
import { startReceiver, type Receiver } from './support/receiver';

let engine: EngineSandbox;
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver();
  engine = await startDeliveryEngineSandbox({
    apiKey: engineKey,
    webhookSecret: engineWebhookSecret,
    webhook: {
      urls: [`${hook.url}/delivery-engine/webhooks`],
      initialDelayMs: 20,
      maxDelayMs: 50,
      reorderWindowMs: 200,
    },
  });
});
afterAll(async () => {
  await engine.close();
  await hook.close();
});
beforeEach(() => {
  hook.received.length = 0;
  hook.script([]);
  engine.resetFaults();
});

describe('auth', () => {
  it('wants x-api-key on every call; a Bearer token is not it', async () => {
    const body = availabilityBody();
    expect((await call('POST', `${engine.url}/jobs/availability/v2`, { body })).status).toBe(401);
    const bearer = { authorization: `Bearer ${engineKey}` };
    expect((await call('POST', `${engine.url}/jobs/availability/v2`, { body, headers: bearer })).status).toBe(401);
    expect((await call('POST', `${engine.url}/jobs/availability/v2`, { body, headers: auth })).status).toBe(200);
  });
});

describe('availability v2', () => {
  it('answers a bare list of slot_size slots inside the window, no price, each held and checkable', async () => {
    const body = availabilityBody({}, 3);
    const reply = await call('POST', `${engine.url}/jobs/availability/v2`, { body, headers: auth });
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
    expect(reply.body).toHaveLength(3);
    const [first] = reply.body;
    expect(first).toEqual({
      id: expect.any(String),
      from: body.start,
      to: new Date(Date.parse(body.start) + 3_600_000).toISOString(),
      operational_model: 'FULL_SERVICE',
      expires_at: expect.any(String),
      store: { id: 'store-1', name: 'Store store-1' },
    });
    expect(first.price).toBeUndefined();
    const check = await call('GET', `${engine.url}/jobs/availability/${first.id}/check`, { headers: auth });
    expect(check.body).toEqual({ valid: true, expires_at: first.expires_at });
  });

  it('refuses a window over 7 days, one starting in the past, one that ends before it starts', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const window of [
      { start: iso(now + 60_000), end: iso(now + 8 * 86_400_000) },
      { start: iso(now - 3_600_000), end: iso(now + 3_600_000) },
      { start: iso(now + 7_200_000), end: iso(now + 3_600_000) },
    ]) {
      const reply = await call('POST', `${engine.url}/jobs/availability/v2`, {
        body: availabilityBody(window),
        headers: auth,
      });
      expect(reply.status).toBe(400);
    }
  });

  it('extends a held slot by three holds, and refuses an expired one with 417', async () => {
    const slotId = await newSlot(engine.url);
    const extended = await call('PUT', `${engine.url}/jobs/${slotId}/extend_expiration_time`, { headers: auth });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.expires_at)).toBeGreaterThan(Date.now() + 40 * 60_000);
    engine.expireSlots();
    expect((await call('PUT', `${engine.url}/jobs/${slotId}/extend_expiration_time`, { headers: auth })).status).toBe(
      417,
    );
    const check = await call('GET', `${engine.url}/jobs/availability/${slotId}/check`, { headers: auth });
    expect(check.body.valid).toBe(false);
  });
});

describe('jobs', () => {
  it('answers {message, job_id}; GET /jobs/{id} shows the job with its tasks; a second create makes a second job', async () => {
    const { jobId, body } = await newJob(engine.url, 'order-twice');
    const job = await call('GET', `${engine.url}/jobs/${jobId}`, { headers: auth });
    expect(job.body).toMatchObject({
      id: jobId,
      client_reference: 'order-twice',
      state: 'CREATED',
      recipient: body.recipient,
      external_data: body.external_data,
      tasks: [
        { type: 'PICKING', resource: null },
        { type: 'DELIVERY', resource: null },
      ],
    });
    const again = await call('POST', `${engine.url}/jobs`, {
      body: createJobBody(await newSlot(engine.url), 'order-twice'),
      headers: auth,
    });
    expect(again.body).toEqual({ message: 'Job created', job_id: expect.any(String) });
    expect(again.body.job_id).not.toBe(jobId);
    expect(engine.jobsByClientReference('order-twice')).toHaveLength(2);
  });

  it('refuses an unknown slot (404), an expired one (417) and a taken one (409)', async () => {
    const taken = await newJob(engine.url);
    expect((await call('POST', `${engine.url}/jobs`, { body: createJobBody('nope'), headers: auth })).status).toBe(404);
    expect(
      (await call('POST', `${engine.url}/jobs`, { body: createJobBody(taken.body.slot_id), headers: auth })).status,
    ).toBe(409);
    const slotId = await newSlot(engine.url);
    engine.expireSlots();
    expect((await call('POST', `${engine.url}/jobs`, { body: createJobBody(slotId), headers: auth })).status).toBe(417);
  });

  it('holds through payment_info (EXIT_STORE keeps it in the store, UNBLOCKED lets it go)', async () => {
    const { jobId, body } = await newJob(engine.url);
    const put = (policy: string) =>
      call('PUT', `${engine.url}/jobs/${jobId}/payment_info`, {
        body: { payment: { ...body.payment_info.payment, blocking_policy: policy } },
        headers: auth,
      });
    expect((await put('EXIT_STORE')).status).toBe(200);
    engine.play(jobId, ['CHECKED_OUT', 'GOING_TO_DESTINATION_STARTED'], 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Held: the job does not leave the store.
    expect(engine.events(jobId).map((e) => e.type)).toEqual(['CREATED', 'CHECKED_OUT']);
    expect((await put('UNBLOCKED')).status).toBe(200);
    await engine.idle();
    expect(engine.events(jobId).map((e) => e.type)).toEqual(['CREATED', 'CHECKED_OUT', 'GOING_TO_DESTINATION_STARTED']);
    expect(engine.blockingPolicies(jobId)).toEqual(['EXIT_STORE', 'UNBLOCKED']);
    expect((await call('POST', `${engine.url}/jobs/${jobId}/hold`, { body: {}, headers: auth })).status).toBe(404);
  });

  it('cancels with a CANCELLED event, and refuses with 409 once delivered', async () => {
    const { jobId } = await newJob(engine.url);
    const canceled = await call('POST', `${engine.url}/jobs/${jobId}/cancel`, { body: { reason: 'r' }, headers: auth });
    expect(canceled.status).toBe(200);
    expect(engine.job(jobId)!.state).toBe('CANCELLED');
    const delivered = (await newJob(engine.url)).jobId;
    engine.emit(delivered, 'CLIENT_RECEIVED');
    expect(
      (await call('POST', `${engine.url}/jobs/${delivered}/cancel`, { body: { reason: 'r' }, headers: auth })).status,
    ).toBe(409);
  });
});

describe('webhooks', () => {
  it('sends every event to the registered URL as {id, type, created_at, job}, signed InstaLeap-Signature', async () => {
    const { jobId } = await newJob(engine.url);
    engine.emit(jobId, 'ALLOCATED');
    await engine.idle();
    const got = hook.received.filter((r) => r.body.job?.id === jobId);
    expect(got.map((r) => r.body.type)).toEqual(['CREATED', 'ALLOCATED']);
    for (const r of got) {
      expect(Object.keys(r.body).sort()).toEqual(['created_at', 'id', 'job', 'type']);
      expect(r.headers['instaleap-signature']).toBe(signatureFor(engineWebhookSecret, r.body));
      expect(r.headers['x-webhook-key']).toBeUndefined();
    }
    const allocated = got[1]!.body.job;
    expect(allocated.tasks.find((t: { type: string }) => t.type === 'DELIVERY').resource).toMatchObject({
      id: expect.any(String),
      name: expect.any(String),
      phone_number: expect.any(String),
    });
    expect(allocated.external_data.webhook.key).toEqual(expect.any(String));
  });

  it('retries until a 200, sends duplicates and swapped pairs when asked', async () => {
    const { jobId } = await newJob(engine.url);
    await engine.idle();
    hook.script([500, 503]);
    engine.emit(jobId, 'ALLOCATED');
    await engine.idle();
    expect(engine.deliveries({ jobId, type: 'ALLOCATED' }).map((a) => a.status)).toEqual([500, 503, 200]);

    engine.setWebhookBehaviour({ duplicateRate: 1 });
    const dup = engine.emit(jobId, 'GOING_TO_ORIGIN_STARTED');
    await engine.idle();
    engine.setWebhookBehaviour({ duplicateRate: 0, reorder: true });
    engine.emit(jobId, 'ARRIVED_TO_ORIGIN');
    engine.emit(jobId, 'PICKING_FINISHED');
    await engine.idle();
    engine.setWebhookBehaviour({ reorder: false });
    expect(hook.received.filter((r) => r.body.id === dup.id)).toHaveLength(2);
    const order = hook.received.filter((r) => r.body.job?.id === jobId).map((r) => r.body.type);
    expect(order.slice(-2)).toEqual(['PICKING_FINISHED', 'ARRIVED_TO_ORIGIN']);
  });

  it('registers up to three account URLs through its admin API; with none, events go nowhere', async () => {
    const urls = engine.webhookUrls();
    try {
      const four = ['a', 'b', 'c', 'd'].map((x) => `http://127.0.0.1:9/${x}`);
      expect((await call('PUT', `${engine.url}/_sandbox/webhook-urls`, { body: { urls: four } })).status).toBe(400);
      expect((await call('PUT', `${engine.url}/_sandbox/webhook-urls`, { body: { urls: [] } })).body).toEqual({
        urls: [],
      });
      const { jobId } = await newJob(engine.url);
      await engine.idle();
      expect(engine.deliveries({ jobId })).toEqual([]);
    } finally {
      engine.setWebhookUrls(urls);
    }
  });

  it('plays its scenarios in Instaleap event types only', async () => {
    const { jobId } = await newJob(engine.url);
    engine.play(jobId, 'happy', 5);
    await engine.idle();
    expect(engine.job(jobId)!.state).toBe('CLIENT_RECEIVED');
    expect(engine.job(jobId)!.evidences?.length).toBe(1);
    const types = engine.events(jobId).map((e) => e.type);
    for (const absent of ['INCIDENT', 'ON_HOLD', 'RETURNED']) expect(types).not.toContain(absent);
  });
});
