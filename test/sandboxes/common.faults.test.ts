/**
 * Fault injection shared by every sandbox, proven on a bare sandbox skeleton with two routes.
 */
import { createSandboxKit, type SandboxKit } from '../../sandboxes/common/sandboxKit';
import { listen, type Listening } from '../../sandboxes/common/listen';
import { call } from './support/http';

let kit: SandboxKit;
let server: Listening;

beforeAll(async () => {
  kit = createSandboxKit({ name: 'test' });
  kit.app.get('/things', (_req, res) => {
    res.json({ ok: true });
  });
  kit.app.post('/other', (_req, res) => {
    res.json({ ok: true });
  });
  kit.seal();
  server = await listen(kit.app);
});
afterAll(() => server.close());
beforeEach(() => {
  kit.controls.resetFaults();
  kit.controls.clearCalls();
});

test('without faults every call is answered normally', async () => {
  const reply = await call('GET', `${server.url}/things`);
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ ok: true });
});

test('latencyMs delays the answer by at least that long', async () => {
  kit.controls.setFaults({ latencyMs: 250, jitterMs: 100 });
  const reply = await call('GET', `${server.url}/things`);
  expect(reply.status).toBe(200);
  expect(reply.durationMs).toBeGreaterThanOrEqual(245);
  const [record] = kit.controls.calls();
  expect(record?.durationMs).toBeGreaterThanOrEqual(245);
});

test('errorRate 1 answers every call with one of the default statuses 500 or 503', async () => {
  kit.controls.setFaults({ errorRate: 1 });
  const statuses = await Promise.all(
    Array.from({ length: 12 }, () => call('GET', `${server.url}/things`).then((r) => r.status)),
  );
  for (const status of statuses) expect([500, 503]).toContain(status);
  expect(kit.controls.calls().every((c) => c.fault === 'error')).toBe(true);
});

test('errorStatuses chooses which 5xx (or 429) the injected errors use', async () => {
  kit.controls.setFaults({ errorRate: 1, errorStatuses: [429] });
  const reply = await call('GET', `${server.url}/things`);
  expect(reply.status).toBe(429);
  expect(reply.body).toMatchObject({ injected: true });
});

test('dropRate 1 destroys the connection: the client sees a connection error, no answer', async () => {
  kit.controls.setFaults({ dropRate: 1 });
  await expect(call('GET', `${server.url}/things`)).rejects.toThrow(/fetch failed/);
  const [record] = kit.controls.calls();
  expect(record).toMatchObject({ fault: 'drop', status: null });
});

test('timeoutRate 1 never answers: the client times out', async () => {
  kit.controls.setFaults({ timeoutRate: 1 });
  const started = Date.now();
  await expect(call('GET', `${server.url}/things`, { timeoutMs: 300 })).rejects.toThrow(/timeout|aborted/i);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  const record = await waitForSettled();
  expect(record).toMatchObject({ fault: 'timeout', status: null });
});

test('pathPattern scopes faults to matching paths only', async () => {
  kit.controls.setFaults({ errorRate: 1, pathPattern: '^/other$' });
  expect((await call('GET', `${server.url}/things`)).status).toBe(200);
  expect((await call('POST', `${server.url}/other`, { body: {} })).status).toBeGreaterThanOrEqual(500);
});

test('admin paths are never faulted, even with every fault at 1', async () => {
  kit.controls.setFaults({ errorRate: 1, dropRate: 1, timeoutRate: 1, latencyMs: 2000 });
  const reply = await call('GET', `${server.url}/_sandbox/health`, { timeoutMs: 1000 });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ status: 'ok', sandbox: 'test' });
});

test('PUT /_sandbox/faults merges settings at run time and GET shows them', async () => {
  const put = await call('PUT', `${server.url}/_sandbox/faults`, { body: { errorRate: 1, errorStatuses: [503] } });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ errorRate: 1, errorStatuses: [503], latencyMs: 0 });
  await call('PUT', `${server.url}/_sandbox/faults`, { body: { latencyMs: 5 } });
  const get = await call('GET', `${server.url}/_sandbox/faults`);
  expect(get.body).toMatchObject({ errorRate: 1, errorStatuses: [503], latencyMs: 5 });
  expect((await call('GET', `${server.url}/things`)).status).toBe(503);
  const reset = await call('DELETE', `${server.url}/_sandbox/faults`);
  expect(reset.body).toMatchObject({ errorRate: 0, latencyMs: 0 });
  expect((await call('GET', `${server.url}/things`)).status).toBe(200);
});

test('PUT /_sandbox/faults rejects rates outside 0..1, unknown switches and a pattern that does not compile', async () => {
  for (const body of [
    { errorRate: 1.5 },
    { dropRate: -0.1 },
    { loss: 1 },
    { pathPattern: '([' },
    { errorStatuses: [200] },
  ]) {
    const reply = await call('PUT', `${server.url}/_sandbox/faults`, { body });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.length).toBeGreaterThan(0);
  }
  expect(kit.controls.faults()).toMatchObject({ errorRate: 0, dropRate: 0, pathPattern: null });
});

test('faults given at construction apply from the first call', async () => {
  const other = createSandboxKit({ name: 'preset', faults: { errorRate: 1, errorStatuses: [500] } });
  other.app.get('/x', (_req, res) => {
    res.json({});
  });
  other.seal();
  const s = await listen(other.app);
  try {
    expect((await call('GET', `${s.url}/x`)).status).toBe(500);
  } finally {
    await s.close();
  }
});

async function waitForSettled() {
  for (let i = 0; i < 100; i++) {
    const [record] = kit.controls.calls();
    if (record?.durationMs !== null && record !== undefined) return record;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the call record never settled');
}

test('lostAnswerRate 1 carries the request out but loses its answer: the client sees a connection error', async () => {
  kit.controls.setFaults({ lostAnswerRate: 1, pathPattern: '^/other$' });
  await expect(call('POST', `${server.url}/other`, {})).rejects.toThrow(/fetch failed/);
  const [record] = kit.controls.calls();
  expect(record).toMatchObject({ fault: 'lost-answer', status: null });
});
