/**
 * The call recorder and its admin API: what the service under test sent, as it sent it, with every
 * secret masked.
 */
import { createSandboxKit, type SandboxKit } from '../../sandboxes/common/sandboxKit';
import { listen, type Listening } from '../../sandboxes/common/listen';
import { MASK } from '../../sandboxes/common/mask';
import { call } from './support/http';

let kit: SandboxKit;
let server: Listening;

beforeAll(async () => {
  kit = createSandboxKit({ name: 'test' });
  kit.app.post('/token', (_req, res) => {
    res.status(201).json({ data: 'jwt' });
  });
  kit.app.get('/tracking/hook/:a/:b', (_req, res) => {
    res.json({});
  });
  kit.seal();
  server = await listen(kit.app);
});
afterAll(() => server.close());
beforeEach(() => kit.controls.clearCalls());

test('records method, path, query, body, answered status and duration of every call', async () => {
  await call('POST', `${server.url}/token?x=1`, { body: { hello: 'world' } });
  const [record] = kit.controls.calls();
  expect(record).toMatchObject({
    method: 'POST',
    path: '/token',
    query: { x: '1' },
    body: { hello: 'world' },
    status: 201,
    fault: null,
  });
  expect(record!.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(new Date(record!.at).toISOString()).toBe(record!.at);
  expect(record!.durationMs).toBeGreaterThanOrEqual(0);
});

test('masks authorization, x-api-key and apikey headers, and apiKey and webhook keys in bodies', async () => {
  await call('POST', `${server.url}/token`, {
    headers: {
      Authorization: 'Bearer secret-1',
      'X-Api-Key': 'secret-2',
      apikey: 'secret-3',
      'x-request-id': 'visible',
    },
    body: {
      apiKey: 'secret-4',
      nested: [{ apiKey: 'secret-5' }],
      external_data: { webhook: { key: 'secret-6', service_id: 'x' } },
    },
  });
  const [record] = kit.controls.calls();
  expect(record!.headers).toMatchObject({
    authorization: MASK,
    'x-api-key': MASK,
    apikey: MASK,
    'x-request-id': 'visible',
  });
  expect(record!.body).toEqual({
    apiKey: MASK,
    nested: [{ apiKey: MASK }],
    external_data: { webhook: { key: MASK, service_id: 'x' } },
  });
  expect(JSON.stringify(kit.controls.calls())).not.toMatch(/secret-/);
  const viaAdmin = await call('GET', `${server.url}/_sandbox/calls`);
  expect(JSON.stringify(viaAdmin.body)).not.toMatch(/secret-/);
});

test('a body that is not JSON is recorded with the 400 it got', async () => {
  const reply = await call('POST', `${server.url}/token`, { rawBody: '{"apiKey": ' });
  expect(reply.status).toBe(400);
  expect(reply.body).toEqual({ message: 'Bad request', errors: [{ path: '(body)', message: 'is not valid JSON' }] });
  expect(kit.controls.calls()).toEqual([expect.objectContaining({ method: 'POST', path: '/token', status: 400 })]);
});

test('GET /_sandbox/calls filters by method and by path substring or regex; admin calls are not recorded', async () => {
  await call('POST', `${server.url}/token`, { body: {} });
  await call('GET', `${server.url}/tracking/hook/c1/s1`);
  await call('GET', `${server.url}/tracking/hook/c2/s2`);
  const all = await call('GET', `${server.url}/_sandbox/calls`);
  expect(all.body.map((c: { path: string }) => c.path)).toEqual([
    '/token',
    '/tracking/hook/c1/s1',
    '/tracking/hook/c2/s2',
  ]);
  const byMethod = await call('GET', `${server.url}/_sandbox/calls?method=post`);
  expect(byMethod.body).toHaveLength(1);
  const bySubstring = await call('GET', `${server.url}/_sandbox/calls?path=${encodeURIComponent('hook/c2')}`);
  expect(bySubstring.body.map((c: { path: string }) => c.path)).toEqual(['/tracking/hook/c2/s2']);
  const byRegex = await call(
    'GET',
    `${server.url}/_sandbox/calls?path=${encodeURIComponent('^/tracking/hook/c\\d/s1$')}`,
  );
  expect(byRegex.body.map((c: { path: string }) => c.path)).toEqual(['/tracking/hook/c1/s1']);
  expect(kit.controls.calls({ method: 'GET', path: /c1/ })).toHaveLength(1);
});

test('DELETE /_sandbox/calls forgets every recorded call', async () => {
  await call('POST', `${server.url}/token`, { body: {} });
  expect((await call('DELETE', `${server.url}/_sandbox/calls`)).status).toBe(204);
  expect((await call('GET', `${server.url}/_sandbox/calls`)).body).toEqual([]);
});

test('an unknown path answers 404 with a message and is recorded', async () => {
  const reply = await call('GET', `${server.url}/nope`);
  expect(reply.status).toBe(404);
  expect(reply.body.message).toMatch(/No route/);
  expect(kit.controls.calls({ path: '/nope' })[0]?.status).toBe(404);
});
