/**
 * The codec server over HTTP, as the Web UI and the CLI call it (Temporal's codec server protocol):
 * decoded payloads for operators only (a bearer token, or an opaque expiring session cookie), CORS
 * for the UI's origins only, and sign-in behind a trusted TLS proxy.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseEnv, resolveCodecServer } from '../../config';
import { OPERATOR_COOKIE, startCodecServer, type RunningCodecServer } from '../../scripts/codec-server';
import { EncryptionCodec, formatKeyRing } from '../../security/codec';

const key = { id: 'cs-1', key: randomBytes(32) };
const OPERATOR = 'codec-server-test-operator-token-0123456789';
const UI = 'http://127.0.0.1:8233';
let server: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer(
    resolveCodecServer(
      parseEnv({
        CODEC_KEYS: formatKeyRing([key]),
        OPERATOR_TOKENS: OPERATOR,
        CODEC_SERVER_PORT: '0',
        CODEC_CORS_ORIGINS: UI,
      }),
    ),
  );
});
afterAll(() => server.close());

const customer = { receiver: { name: 'Iracema Codec', phone: '+55 11 91234-5678' } };
async function encryptedJson() {
  const [payload] = await new EncryptionCodec([key]).encode([defaultPayloadConverter.toPayload(customer)!]);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload!.data!).toString('base64'),
  };
}

async function signIn(url: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: `token=${encodeURIComponent(OPERATOR)}`,
  });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return post2(server.url, path, body, headers);
}

async function post2(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('the codec server', () => {
  it('decodes for an operator token (the CLI: --codec-auth), also under /{namespace}/decode', async () => {
    for (const path of ['/decode', '/default/decode']) {
      const answer = await post(path, { payloads: [await encryptedJson()] }, { authorization: `Bearer ${OPERATOR}` });
      expect(answer.status).toBe(200);
      const [decoded] = answer.body.payloads;
      expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString())).toEqual(customer);
    }
  });

  it('decodes for the sign-in cookie (the Web UI with credentials included): an opaque session, never the token', async () => {
    const login = await signIn(server.url);
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    // Over plain http (no TLS, no trusted proxy saying https) the cookie cannot be Secure.
    expect(cookie).not.toMatch(/Secure/);
    const session = cookie.split(';')[0]!;
    expect(session).not.toContain(OPERATOR);
    expect(decodeURIComponent(session)).not.toContain(OPERATOR);
    const answer = await post('/decode', { payloads: [await encryptedJson()] }, { cookie: session });
    expect(JSON.parse(Buffer.from(answer.body.payloads[0].data, 'base64').toString())).toEqual(customer);
    // The operator token itself is no cookie: only a session the server handed out opens the codec.
    expect((await post('/decode', { payloads: [] }, { cookie: `${OPERATOR_COOKIE}=${OPERATOR}` })).status).toBe(401);
  });

  it('ends a session at its expiry and at sign-out, on the server', async () => {
    let now = Date.now();
    const clocked = await startCodecServer(
      resolveCodecServer(
        parseEnv({ CODEC_KEYS: formatKeyRing([key]), OPERATOR_TOKENS: OPERATOR, CODEC_SERVER_PORT: '0' }),
      ),
      undefined,
      { now: () => now },
    );
    try {
      const decode = (cookie: string) => post2(clocked.url, '/decode', { payloads: [] }, { cookie });
      const first = (await signIn(clocked.url)).headers.get('set-cookie')!.split(';')[0]!;
      expect((await decode(first)).status).toBe(200);
      now += 12 * 3600_000;
      expect((await decode(first)).status).toBe(401);
      const second = (await signIn(clocked.url)).headers.get('set-cookie')!.split(';')[0]!;
      expect(second).not.toBe(first);
      expect((await decode(second)).status).toBe(200);
      const out = await fetch(`${clocked.url}/logout`, { method: 'POST', headers: { cookie: second } });
      expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
      // The browser forgets the cookie; a copy kept elsewhere opens nothing either.
      expect((await decode(second)).status).toBe(401);
    } finally {
      await clocked.close();
    }
  });

  it('answers 401, and no plaintext, without the operator token or with another one', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer someone-else-token-0123456789abcdef' },
      { cookie: `${OPERATOR_COOKIE}=nope` },
    ];
    for (const headers of attempts) {
      const answer = await post('/decode', { payloads: [await encryptedJson()] }, headers);
      expect(answer.status).toBe(401);
      expect(JSON.stringify(answer.body)).not.toContain('Iracema');
    }
    expect((await post('/encode', { payloads: [] })).status).toBe(401);
    const failedLogin = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    });
    expect([failedLogin.status, failedLogin.headers.get('set-cookie')]).toEqual([401, null]);
  });

  it('encodes what it is given with the newest key, so the UI can start or signal with encrypted input', async () => {
    const plain = defaultPayloadConverter.toPayload(customer)!;
    const json = {
      metadata: { encoding: Buffer.from(plain.metadata!.encoding!).toString('base64') },
      data: Buffer.from(plain.data!).toString('base64'),
    };
    const encoded = await post('/encode', { payloads: [json] }, { authorization: `Bearer ${OPERATOR}` });
    expect(Buffer.from(encoded.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('cs-1');
    const decoded = await post('/decode', encoded.body, { authorization: `Bearer ${OPERATOR}` });
    expect(decoded.body.payloads[0]).toEqual(json);
  });

  it("answers CORS to the UI's origin only (credentials allowed, origin echoed), and refuses other origins", async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
    const other = await post(
      '/decode',
      { payloads: [] },
      { origin: 'https://evil.example', authorization: `Bearer ${OPERATOR}` },
    );
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('signs in behind a trusted TLS proxy (X-Forwarded-Proto https): same origin, Secure cookie', async () => {
    const behindProxy = (trust?: string) =>
      startCodecServer(
        resolveCodecServer(
          parseEnv({
            CODEC_KEYS: formatKeyRing([key]),
            OPERATOR_TOKENS: OPERATOR,
            CODEC_SERVER_PORT: '0',
            ...(trust ? { CODEC_TRUST_PROXY: trust } : {}),
          }),
        ),
      );
    // What the proxy of docs/security.md forwards: the browser's https origin and host.
    const proxied = {
      origin: 'https://codec.ops.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'codec.ops.example.com',
    };
    const trusted = await behindProxy('loopback');
    try {
      const login = await signIn(trusted.url, proxied);
      expect(login.status).toBe(200);
      expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure/);
      const session = login.headers.get('set-cookie')!.split(';')[0]!;
      expect((await post2(trusted.url, '/decode', { payloads: [] }, { ...proxied, cookie: session })).status).toBe(200);
    } finally {
      await trusted.close();
    }
    // Forwarded headers from a sender not configured as the proxy are not believed.
    const untrusted = await behindProxy();
    try {
      const login = await signIn(untrusted.url, proxied);
      expect([login.status, login.headers.get('set-cookie')]).toEqual([403, null]);
    } finally {
      await untrusted.close();
    }
  });

  it('says which payload it cannot open (400), naming no key', async () => {
    const foreign = await new EncryptionCodec([{ id: 'other', key: randomBytes(32) }]).encode([
      defaultPayloadConverter.toPayload(1)!,
    ]);
    const json = {
      metadata: Object.fromEntries(
        Object.entries(foreign[0]!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(foreign[0]!.data!).toString('base64'),
    };
    const answer = await post('/decode', { payloads: [json] }, { authorization: `Bearer ${OPERATOR}` });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/key "other", which is not in the key ring/);
  });
});
