/**
 * VTEX sandbox, POST /token (VTEX's guide "Create token" and VTEX's OpenAPI): real HS256 JWTs for the
 * right apiKey only, in either answer shape the service must read.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { tokenFromResponse } from '../../contracts/vtex';
import { startVtexSandbox, type VtexSandbox } from '../../sandboxes';
import { call, fixture } from './support/http';

const apiKey = 'test-vtex-api-key';
let vtex: VtexSandbox;

beforeAll(async () => {
  vtex = await startVtexSandbox({ apiKey });
});
afterAll(() => vtex.close());

test("the right apiKey gets VTEX's guide's {message: 'success', data: <jwt>}: an HS256 JWT living 900 s", async () => {
  const reply = await call('POST', `${vtex.url}/token`, { body: { apiKey } });
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ message: 'success', data: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) });
  expect(decodeProtectedHeader(reply.body.data)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
  const claims = decodeJwt(reply.body.data);
  expect(claims.exp! - claims.iat!).toBe(900);
  expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
  expect(tokenFromResponse(reply.body)).toBe(reply.body.data);
});

test("tokenResponseShape 'string' answers the JWT as a bare JSON string, as VTEX's OpenAPI shows", async () => {
  const other = await startVtexSandbox({ apiKey, tokenResponseShape: 'string', tokenTtlSeconds: 60 });
  try {
    const reply = await call('POST', `${other.url}/token`, { body: { apiKey } });
    expect(reply.status).toBe(200);
    expect(typeof reply.body).toBe('string');
    const claims = decodeJwt(reply.body);
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(tokenFromResponse(reply.body)).toBe(reply.body);
  } finally {
    await other.close();
  }
});

test('a wrong apiKey gets 401 and no token (the seed example request is well-formed but not our key)', async () => {
  const reply = await call('POST', `${vtex.url}/token`, { body: fixture('vtex.token-request.json') });
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ message: 'Invalid API key' });
});

test('a body without apiKey, with an unknown field, or not JSON gets 400 naming what is wrong', async () => {
  const missing = await call('POST', `${vtex.url}/token`, { body: {} });
  expect(missing.status).toBe(400);
  expect(missing.body).toMatchObject({ message: 'Bad request', errors: [expect.objectContaining({ path: 'apiKey' })] });
  const extra = await call('POST', `${vtex.url}/token`, { body: { apiKey, user: 'x' } });
  expect(extra.status).toBe(400);
  const empty = await call('POST', `${vtex.url}/token`, { body: { apiKey: '' } });
  expect(empty.status).toBe(400);
  const broken = await call('POST', `${vtex.url}/token`, { rawBody: '{apiKey:' });
  expect(broken.status).toBe(400);
  expect(broken.body.errors[0].path).toBe('(body)');
});

test('the recorded POST /token shows the apiKey masked', async () => {
  vtex.clearCalls();
  await call('POST', `${vtex.url}/token`, { body: { apiKey } });
  const [record] = vtex.calls({ path: '/token' });
  expect(record?.body).toEqual({ apiKey: '[masked]' });
  expect(JSON.stringify(vtex.calls())).not.toContain(apiKey);
});

test('faults given as options hit only the paths they name: tokens still come, tracking calls get 5xx until PUT /_sandbox/faults lifts them', async () => {
  const flaky = await startVtexSandbox({
    apiKey,
    faults: { errorRate: 1, errorStatuses: [503], pathPattern: '^/tracking/' },
  });
  try {
    const token = await call('POST', `${flaky.url}/token`, { body: { apiKey } });
    expect(token.status).toBe(200);
    const url = `${flaky.url}/tracking/hook/c1/s1`;
    expect((await call('GET', url, { headers: { authorization: token.body.data } })).status).toBe(503);
    await call('PUT', `${flaky.url}/_sandbox/faults`, { body: { errorRate: 0 } });
    expect((await call('GET', url, { headers: { authorization: token.body.data } })).status).toBe(200);
    expect(flaky.calls({ path: '/tracking/' }).map((c) => [c.status, c.fault])).toEqual([
      [503, 'error'],
      [200, null],
    ]);
  } finally {
    await flaky.close();
  }
});
