/**
 * Delivery Engine sandbox, job events to the webhook (docs/partners.md "Delivery Engine"): the event shape per
 * type, at-least-once delivery with backoff, per-job order, the duplicate and reorder switches,
 * scenarios and autoplay.
 */
import { JobEvent, WEBHOOK_KEY_HEADER } from '../../contracts/deliveryEngine';
import { AgentVehicle } from '../../contracts/vtex';
import { SCENARIOS, startDeliveryEngineSandbox, type EngineSandbox } from '../../sandboxes';
import { engineKey, newJob } from './support/engine';
import { call, eventually } from './support/http';
import { startReceiver, type Receiver } from './support/receiver';

let engine: EngineSandbox;
let hook: Receiver;
let webhookUrl: string;

beforeAll(async () => {
  hook = await startReceiver();
  webhookUrl = `${hook.url}/delivery-engine/webhooks`;
  engine = await startDeliveryEngineSandbox({
    apiKey: engineKey,
    webhook: { initialDelayMs: 40, maxDelayMs: 100, reorderWindowMs: 300 },
  });
});
afterAll(async () => {
  await engine.close();
  await hook.close();
});
beforeEach(() => {
  hook.received.length = 0;
  hook.script([]);
  engine.setWebhookBehaviour({ duplicateRate: 0, reorder: false });
});

const typesFor = (jobId: string) =>
  hook.received.filter((r) => r.body.job?.id === jobId).map((r) => r.body.type as string);

test('an event is POSTed to the job webhook URL with X-Webhook-Key and JSON, in the contract JobEvent shape', async () => {
  const { jobId, body } = await newJob(engine.url, webhookUrl);
  const event = engine.emit(jobId, 'ALLOCATED');
  await engine.idle();
  expect(hook.received).toHaveLength(1);
  const [got] = hook.received;
  expect(got!.path).toBe('/delivery-engine/webhooks');
  expect(got!.headers[WEBHOOK_KEY_HEADER]).toBe(body.external_data.webhook.key);
  expect(got!.headers['content-type']).toMatch(/^application\/json/);
  expect(JobEvent.parse(got!.body)).toMatchObject({
    id: event.id,
    type: 'ALLOCATED',
    job: { id: jobId, client_reference: body.client_reference },
  });
  expect(engine.deliveries({ jobId })).toEqual([
    expect.objectContaining({ eventId: event.id, type: 'ALLOCATED', attempt: 1, status: 200, outcome: 'delivered' }),
  ]);
});

test('a receiver answering 500 then 200 gets the same event again after a backoff: at-least-once, every attempt recorded', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  hook.script([500, 503]);
  const event = engine.emit(jobId, 'CREATED');
  await engine.idle();
  expect(hook.received.map((r) => r.body.id)).toEqual([event.id, event.id, event.id]);
  const attempts = engine.deliveries({ eventId: event.id });
  expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
    [1, 500, 'retrying'],
    [2, 503, 'retrying'],
    [3, 200, 'delivered'],
  ]);
  const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at);
  expect(gaps[0]).toBeGreaterThanOrEqual(35);
  expect(gaps[1]).toBeGreaterThanOrEqual(75);
  const viaAdmin = await call('GET', `${engine.url}/_sandbox/deliveries?jobId=${jobId}`);
  expect(viaAdmin.body).toHaveLength(3);
});

test("a job's next event waits until the previous one got its 200 (per-job FIFO)", async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  hook.script([500, 500]);
  engine.emit(jobId, 'CREATED');
  engine.emit(jobId, 'ALLOCATED');
  engine.emit(jobId, 'GOING_TO_ORIGIN_STARTED');
  await engine.idle();
  expect(typesFor(jobId)).toEqual(['CREATED', 'CREATED', 'CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']);
});

test('a receiver that never answers 200 is retried up to maxAttempts, then the event is given up', async () => {
  const stubborn = await startDeliveryEngineSandbox({
    apiKey: engineKey,
    webhook: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
  });
  try {
    const { jobId } = await newJob(stubborn.url, 'http://127.0.0.1:9/unreachable');
    const event = stubborn.emit(jobId, 'CREATED');
    await stubborn.idle();
    const attempts = stubborn.deliveries({ eventId: event.id });
    expect(attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'gave-up']);
    expect(attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/did not answer/) });
  } finally {
    await stubborn.close();
  }
});

test('duplicateRate 1 sends every event twice with the same id, each acknowledged', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  engine.setWebhookBehaviour({ duplicateRate: 1 });
  const a = engine.emit(jobId, 'CREATED');
  const b = engine.emit(jobId, 'ALLOCATED');
  await engine.idle();
  expect(hook.received.map((r) => r.body.id)).toEqual([a.id, a.id, b.id, b.id]);
  expect(engine.deliveries({ jobId }).every((d) => d.status === 200)).toBe(true);
});

test('reorder swaps each pair of consecutive events of a job; a lone last event still goes after the window', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  const put = await call('PUT', `${engine.url}/_sandbox/webhooks`, { body: { reorder: true } });
  expect(put.body).toEqual({ duplicateRate: 0, reorder: true });
  for (const type of ['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN', 'PICKING_FINISHED'])
    engine.emit(jobId, type);
  await engine.idle();
  expect(typesFor(jobId)).toEqual([
    'ALLOCATED',
    'CREATED',
    'ARRIVED_TO_ORIGIN',
    'GOING_TO_ORIGIN_STARTED',
    'PICKING_FINISHED',
  ]);
});

test('PUT /_sandbox/webhooks refuses rates outside 0..1 and unknown switches; GET shows the behaviour', async () => {
  expect((await call('PUT', `${engine.url}/_sandbox/webhooks`, { body: { duplicateRate: 2 } })).status).toBe(400);
  expect((await call('PUT', `${engine.url}/_sandbox/webhooks`, { body: { shuffle: true } })).status).toBe(400);
  expect((await call('GET', `${engine.url}/_sandbox/webhooks`)).body).toEqual({ duplicateRate: 0, reorder: false });
});

describe('events built per type', () => {
  let jobId: string;
  beforeAll(async () => {
    jobId = (await newJob(engine.url, webhookUrl)).jobId;
  });
  const emitted = async (type: string, overrides?: Record<string, unknown>) => {
    const reply = await call('POST', `${engine.url}/_sandbox/jobs/${jobId}/events`, { body: { type, ...overrides } });
    expect(reply.status).toBe(201);
    return reply.body;
  };

  test('CREATED carries a PDF label', async () => {
    expect((await emitted('CREATED')).labels).toEqual([
      expect.objectContaining({ type: 'PDF', url: expect.stringMatching(/\.pdf$/) }),
    ]);
  });

  test('ALLOCATED carries a courier resource; RE_ALLOCATED another courier; later events keep saying who it is', async () => {
    const allocated = await emitted('ALLOCATED');
    expect(allocated.resource).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      phone: expect.any(String),
      identification: expect.any(String),
      vehicle: expect.any(String),
    });
    const known = [...AgentVehicle.options, 'motorcycle', 'bike', 'car'];
    expect(known).toContain(allocated.resource.vehicle);
    const reallocated = await emitted('RE_ALLOCATED');
    expect(reallocated.resource.id).not.toBe(allocated.resource.id);
    expect((await emitted('ARRIVED_TO_ORIGIN')).resource).toEqual(reallocated.resource);
  });

  test('GOING_TO_DESTINATION_STARTED carries a future eta and the distance in metres', async () => {
    const event = await emitted('GOING_TO_DESTINATION_STARTED');
    expect(Date.parse(event.eta)).toBeGreaterThan(Date.now());
    expect(event.distance_m).toBeGreaterThan(100_000);
  });

  test('CHECKED_OUT carries a pickup IMAGE evidence; CLIENT_RECEIVED a rating, a signature IMAGE and a COMMENT note', async () => {
    expect((await emitted('CHECKED_OUT')).evidences).toEqual([
      expect.objectContaining({ type: 'IMAGE', content: expect.stringMatching(/pickup/) }),
    ]);
    const received = await emitted('CLIENT_RECEIVED');
    expect(received.rating).toBe(5);
    expect(received.evidences).toEqual([
      expect.objectContaining({ type: 'IMAGE', content: expect.stringMatching(/signature/) }),
    ]);
    expect(received.notes).toEqual([expect.objectContaining({ type: 'COMMENT', note: expect.any(String) })]);
  });

  test('RESCHEDULED carries a new eta; REFUSED, INCIDENT, ON_HOLD and CANCELLED carry a reason', async () => {
    expect(Date.parse((await emitted('RESCHEDULED')).eta)).toBeGreaterThan(Date.now() + 12 * 3_600_000);
    for (const type of ['REFUSED', 'INCIDENT', 'ON_HOLD', 'CANCELLED'])
      expect((await emitted(type)).reason).toEqual(expect.any(String));
  });

  test('overrides win and unknown types are sent as asked (every built event still fits the contract)', async () => {
    const odd = await emitted('ALLOCATED', { resource: { id: 'r9', name: 'Zé', vehicle: 'motorcycle' } });
    expect(odd.resource).toEqual({ id: 'r9', name: 'Zé', vehicle: 'motorcycle' });
    expect((await emitted('PACKAGES_CREATED')).type).toBe('PACKAGES_CREATED');
    await engine.idle();
    for (const r of hook.received) expect(JobEvent.safeParse(r.body).success).toBe(true);
  });

  test('an event for an unknown job is 404, one without a type 400', async () => {
    expect((await call('POST', `${engine.url}/_sandbox/jobs/nope/events`, { body: { type: 'CREATED' } })).status).toBe(
      404,
    );
    expect((await call('POST', `${engine.url}/_sandbox/jobs/${jobId}/events`, { body: {} })).status).toBe(400);
  });
});

test('the happy scenario plays its ten events in order in the background; the job ends DELIVERED', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  const reply = await call('POST', `${engine.url}/_sandbox/jobs/${jobId}/scenario`, {
    body: { name: 'happy', stepMs: 10 },
  });
  expect(reply.status).toBe(202);
  expect(reply.body).toEqual({ jobId, types: [...SCENARIOS.happy], stepMs: 10 });
  await engine.idle();
  expect(typesFor(jobId)).toEqual([
    'CREATED',
    'ALLOCATED',
    'GOING_TO_ORIGIN_STARTED',
    'ARRIVED_TO_ORIGIN',
    'PICKING_FINISHED',
    'CHECKED_OUT',
    'GOING_TO_DESTINATION_STARTED',
    'ARRIVED_TO_DESTINATION',
    'DELIVERING_STARTED',
    'CLIENT_RECEIVED',
  ]);
  expect(engine.job(jobId)?.status).toBe('DELIVERED');
});

test.each([
  ['cancelled', 'CANCELLED'],
  ['returned', 'RETURNED'],
  ['incident', 'DELIVERED'],
  ['on-hold', 'DELIVERED'],
] as const)('the %s scenario ends the job %s', async (name, status) => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  engine.play(jobId, name, 2);
  await engine.idle();
  expect(typesFor(jobId)).toEqual([...SCENARIOS[name]]);
  expect(engine.job(jobId)?.status).toBe(status);
});

test('a scenario can be a custom list of types; an unknown scenario name is 400', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  await call('POST', `${engine.url}/_sandbox/jobs/${jobId}/scenario`, {
    body: { types: ['CREATED', 'INCIDENT'], stepMs: 1 },
  });
  const idle = await call('GET', `${engine.url}/_sandbox/idle?timeoutMs=5000`);
  expect(idle.body).toEqual({ idle: true });
  expect(typesFor(jobId)).toEqual(['CREATED', 'INCIDENT']);
  expect(
    (await call('POST', `${engine.url}/_sandbox/jobs/${jobId}/scenario`, { body: { name: 'sideways' } })).status,
  ).toBe(400);
});

test('with autoplay every new job plays the scenario on its own', async () => {
  const demo = await startDeliveryEngineSandbox({ apiKey: engineKey, autoplay: { scenario: 'cancelled', stepMs: 5 } });
  try {
    const { jobId } = await newJob(demo.url, webhookUrl);
    await eventually(() => demo.job(jobId)?.status === 'CANCELLED', 3000, 'autoplay to cancel the job');
    await demo.idle();
    expect(typesFor(jobId)).toEqual([...SCENARIOS.cancelled]);
  } finally {
    await demo.close();
  }
});

test('close() stops retries: nothing reaches the receiver afterwards', async () => {
  const closing = await startDeliveryEngineSandbox({
    apiKey: engineKey,
    webhook: { initialDelayMs: 50, maxDelayMs: 50 },
  });
  const { jobId } = await newJob(closing.url, webhookUrl);
  hook.setFallbackStatus(500);
  try {
    closing.emit(jobId, 'CREATED');
    await eventually(() => typesFor(jobId).length >= 1, 2000, 'first attempt');
    await closing.close();
    const seen = typesFor(jobId).length;
    await new Promise((r) => setTimeout(r, 200));
    expect(typesFor(jobId).length).toBe(seen);
  } finally {
    hook.setFallbackStatus(200);
  }
});
