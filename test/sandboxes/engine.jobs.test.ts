/**
 * Delivery Engine sandbox, jobs (the engine's Create a Job Create a Job, docs/partners.md "Delivery Engine"): creation from seed
 * 001's body, idempotency on client_reference, the slot's 404 / 417 / 409, cancel, hold, and a job
 * status that follows its events.
 */
import { CreateJobResponse, Job, JobEvent } from '../../contracts/deliveryEngine';
import { startDeliveryEngineSandbox, type EngineSandbox } from '../../sandboxes';
import { auth, createJobBody, engineKey, newJob, newSlot } from './support/engine';
import { call, fixture } from './support/http';
import { startReceiver, type Receiver } from './support/receiver';

let engine: EngineSandbox;
let hook: Receiver;
let webhookUrl: string;

beforeAll(async () => {
  hook = await startReceiver();
  webhookUrl = `${hook.url}/delivery-engine/webhooks`;
  engine = await startDeliveryEngineSandbox({ apiKey: engineKey, webhook: { initialDelayMs: 20, maxDelayMs: 50 } });
});
afterAll(async () => {
  await engine.close();
  await hook.close();
});

test("the engine's Create a Job body (placeholders filled) creates a job: 201 {job_id, status CREATED, tracking_url, delivery_code}", async () => {
  const slotId = await newSlot(engine.url);
  const body = createJobBody(slotId, webhookUrl);
  const reply = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(reply.status).toBe(201);
  const answer = CreateJobResponse.parse(reply.body);
  expect(answer.status).toBe('CREATED');
  expect(answer.delivery_code).toMatch(/^\d{4}$/);
  expect(answer.tracking_url).toBe(`${engine.url}/tracking/${answer.job_id}`);
  const job = await call('GET', `${engine.url}/jobs/${answer.job_id}`, { headers: auth });
  expect(job.status).toBe(200);
  const parsed = Job.parse(job.body);
  const { external_data: _secret, ...request } = body;
  expect(parsed).toMatchObject({
    job_id: answer.job_id,
    client_reference: body.client_reference,
    slot_id: slotId,
    status: 'CREATED',
    on_hold: false,
    last_event: null,
    request,
  });
  expect(JSON.stringify(job.body)).not.toContain(body.external_data.webhook.key);
  const tracking = await call('GET', answer.tracking_url);
  expect(tracking.body).toMatchObject({ job_id: answer.job_id, status: 'CREATED' });
});

test('the engine\'s example as printed is refused: its "string" placeholders are no currency code and no URLs', async () => {
  const body = fixture('engine.create-job.json');
  body.slot_id = await newSlot(engine.url);
  const reply = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(reply.status).toBe(400);
  expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(
    expect.arrayContaining(['payment_info.currency_code', 'external_data.webhook.URL']),
  );
});

test('without add_delivery_code the job has no delivery_code', async () => {
  const body = { ...createJobBody(await newSlot(engine.url), webhookUrl), add_delivery_code: false };
  const reply = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(reply.status).toBe(201);
  expect(reply.body.delivery_code).toBeUndefined();
});

test('the same client_reference again answers 200 with the same job, even with another slot, even once that slot expired', async () => {
  const { jobId, body } = await newJob(engine.url, webhookUrl);
  const again = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(again.status).toBe(200);
  expect(again.body.job_id).toBe(jobId);
  const otherSlot = await newSlot(engine.url);
  const withOtherSlot = await call('POST', `${engine.url}/jobs`, {
    body: { ...body, slot_id: otherSlot },
    headers: auth,
  });
  expect(withOtherSlot.status).toBe(200);
  expect(withOtherSlot.body.job_id).toBe(jobId);
  expect((await call('GET', `${engine.url}/jobs/availability/${otherSlot}/check`, { headers: auth })).body.valid).toBe(
    true,
  );
  engine.expireSlots();
  const afterExpiry = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(afterExpiry.status).toBe(200);
  expect(afterExpiry.body.job_id).toBe(jobId);
  expect(engine.jobs().filter((j) => j.client_reference === body.client_reference)).toHaveLength(1);
});

test('an unknown slot answers 404, an expired one 417 {message: "Slot expired"}, one taken by another job 409', async () => {
  const unknown = await call('POST', `${engine.url}/jobs`, {
    body: createJobBody('no-such-slot', webhookUrl),
    headers: auth,
  });
  expect(unknown.status).toBe(404);
  const taken = await newJob(engine.url, webhookUrl);
  const reuse = await call('POST', `${engine.url}/jobs`, {
    body: createJobBody(taken.body.slot_id, webhookUrl),
    headers: auth,
  });
  expect(reuse.status).toBe(409);
  const slotId = await newSlot(engine.url);
  await call('POST', `${engine.url}/_sandbox/slots/expire-now`);
  const expired = await call('POST', `${engine.url}/jobs`, { body: createJobBody(slotId, webhookUrl), headers: auth });
  expect(expired.status).toBe(417);
  expect(expired.body).toEqual({ message: 'Slot expired' });
});

test.each([
  ['no recipient name', (b: any) => delete b.recipient.name, 'recipient.name'],
  ['no webhook', (b: any) => delete b.external_data.webhook, 'external_data.webhook'],
  [
    'a webhook URL that is no URL',
    (b: any) => (b.external_data.webhook.URL = 'not a url'),
    'external_data.webhook.URL',
  ],
  ['a payment value given as text', (b: any) => (b.payment_info.payment.value = '10'), 'payment_info.payment.value'],
  ['no client_reference', (b: any) => delete b.client_reference, 'client_reference'],
])('POST /jobs with %s answers 400 naming the field and creates nothing', async (_what, spoil, path) => {
  const before = engine.jobs().length;
  const body = createJobBody(await newSlot(engine.url), webhookUrl);
  spoil(body);
  const reply = await call('POST', `${engine.url}/jobs`, { body, headers: auth });
  expect(reply.status).toBe(400);
  expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  expect(engine.jobs()).toHaveLength(before);
});

test('an unknown job answers 404', async () => {
  expect((await call('GET', `${engine.url}/jobs/nope`, { headers: auth })).status).toBe(404);
  expect((await call('POST', `${engine.url}/jobs/nope/cancel`, { body: { reason: 'x' }, headers: auth })).status).toBe(
    404,
  );
});

test('cancel answers 200 with the job CANCELLED and sends a CANCELLED event with the reason; again: no second event', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  const reply = await call('POST', `${engine.url}/jobs/${jobId}/cancel`, {
    body: { reason: 'client changed their mind' },
    headers: auth,
  });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ job_id: jobId, status: 'CANCELLED', cancel_reason: 'client changed their mind' });
  await engine.idle();
  const events = hook.received.filter((r) => r.body.job?.id === jobId);
  expect(events.map((r) => r.body.type)).toEqual(['CANCELLED']);
  expect(JobEvent.parse(events[0]!.body).reason).toBe('client changed their mind');
  await call('POST', `${engine.url}/jobs/${jobId}/cancel`, { body: { reason: 'again' }, headers: auth });
  await engine.idle();
  expect(hook.received.filter((r) => r.body.job?.id === jobId)).toHaveLength(1);
  expect((await call('POST', `${engine.url}/jobs/${jobId}/cancel`, { body: {}, headers: auth })).status).toBe(400);
});

test('cancel of a delivered job answers 409', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  engine.emit(jobId, 'CLIENT_RECEIVED');
  const reply = await call('POST', `${engine.url}/jobs/${jobId}/cancel`, {
    body: { reason: 'too late' },
    headers: auth,
  });
  expect(reply.status).toBe(409);
  expect(engine.job(jobId)?.status).toBe('DELIVERED');
});

test('hold true sets on_hold, status ON_HOLD and sends ON_HOLD with the reason; hold false restores the status', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  engine.emit(jobId, 'ALLOCATED');
  const held = await call('POST', `${engine.url}/jobs/${jobId}/hold`, {
    body: { on_hold: true, reason: 'store closed' },
    headers: auth,
  });
  expect(held.status).toBe(200);
  expect(held.body).toMatchObject({ on_hold: true, status: 'ON_HOLD' });
  await engine.idle();
  expect(engine.events(jobId).at(-1)).toMatchObject({ type: 'ON_HOLD', reason: 'store closed' });
  const released = await call('POST', `${engine.url}/jobs/${jobId}/hold`, {
    body: { on_hold: false, reason: 'open again' },
    headers: auth,
  });
  expect(released.body).toMatchObject({ on_hold: false, status: 'IN_PROGRESS' });
  expect(engine.events(jobId).map((e) => e.type)).toEqual(['ALLOCATED', 'ON_HOLD']);
  expect(
    (await call('POST', `${engine.url}/jobs/${jobId}/hold`, { body: { on_hold: 'yes', reason: 'x' }, headers: auth }))
      .status,
  ).toBe(400);
});

test('the job status follows its events: CREATED, IN_PROGRESS, DELIVERED / RETURNED / CANCELLED', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  const statusAfter = (type: string) => {
    engine.emit(jobId, type);
    return engine.job(jobId)!.status;
  };
  expect(statusAfter('CREATED')).toBe('CREATED');
  expect(statusAfter('ALLOCATED')).toBe('IN_PROGRESS');
  expect(statusAfter('PICKING_FINISHED')).toBe('IN_PROGRESS');
  expect(statusAfter('CLIENT_RECEIVED')).toBe('DELIVERED');
  await engine.idle();
  for (const [end, status] of [
    ['RETURNED', 'RETURNED'],
    ['CANCELLED', 'CANCELLED'],
  ] as const) {
    const other = (await newJob(engine.url, webhookUrl)).jobId;
    engine.emit(other, 'ALLOCATED');
    engine.emit(other, end);
    expect(engine.job(other)!.status).toBe(status);
  }
  await engine.idle();
});

test('a job that ended keeps its status: a late event is still sent, and moves nothing', async () => {
  const { jobId } = await newJob(engine.url, webhookUrl);
  engine.emit(jobId, 'ALLOCATED');
  engine.emit(jobId, 'CANCELLED');
  engine.emit(jobId, 'ARRIVED_TO_DESTINATION');
  expect(engine.job(jobId)!.status).toBe('CANCELLED');
  expect(engine.job(jobId)!.last_event).toBe('ARRIVED_TO_DESTINATION');
  await engine.idle();
});

test('GET /_sandbox/jobs lists jobs and finds one by client_reference', async () => {
  const { jobId, body } = await newJob(engine.url, webhookUrl);
  const all = await call('GET', `${engine.url}/_sandbox/jobs`);
  expect(all.body.map((j: { job_id: string }) => j.job_id)).toContain(jobId);
  const one = await call(
    'GET',
    `${engine.url}/_sandbox/jobs?client_reference=${encodeURIComponent(body.client_reference)}`,
  );
  expect(one.body).toEqual([expect.objectContaining({ job_id: jobId })]);
  expect((await call('GET', `${engine.url}/_sandbox/jobs?client_reference=nobody`)).body).toEqual([]);
  expect(engine.jobsByClientReference(body.client_reference)[0]?.job_id).toBe(jobId);
  const detail = await call('GET', `${engine.url}/_sandbox/jobs/${jobId}`);
  expect(detail.body).toMatchObject({ job: { job_id: jobId }, events: [] });
});

test('the recorded POST /jobs masks the API key and the job webhook key', async () => {
  engine.clearCalls();
  const { body } = await newJob(engine.url, webhookUrl);
  const [record] = engine.calls({ method: 'POST', path: /^\/jobs$/ });
  expect(record?.headers.authorization).toBe('[masked]');
  expect((record?.body as any).external_data.webhook).toEqual({ key: '[masked]', URL: webhookUrl });
  const everything = JSON.stringify(engine.calls());
  expect(everything).not.toContain(body.external_data.webhook.key);
  expect(everything).not.toContain(engineKey);
});
