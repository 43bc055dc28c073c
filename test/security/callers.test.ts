/**
 * Every caller scoped (docs/security.md "Callers"): one test per rule, through the real intake app.
 * Temporal is unreachable here on purpose: a request the auth lets through goes on to validation
 * (400) or to Temporal (503); one it stops is a 401 or a 403, and nothing is read or started.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp, intakeMetricsOf } from '../../api/app';
import { metricsApp } from '../../api/metrics';
import { listen, type RunningServer } from '../../api/server';
import { ConfigError, parseEnv, resolveCodecServer, resolveConfig, SANDBOX_DEFAULTS } from '../../config';
import { createLogger } from '../../observability/logger';
import { freePort } from '../../scripts/dev-server';
import { DEV_KEY_RING, formatKeyRing } from '../../security/codec';

const sandboxUrls = {
  vtex: 'http://127.0.0.1:1',
  deliveryEngine: 'http://127.0.0.1:2',
  abbiamo: 'http://127.0.0.1:3',
};
const token = (label: string) => `${label}-${'x'.repeat(40 - label.length)}`;
const VTEX = [token('vtex-old'), token('vtex-new')];
const ABBIAMO = token('abbiamo');
const OPERATOR = token('operator');

let server: RunningServer;
let metricsServer: RunningServer;
let connection: Connection;
let temporalAddress: string;
let drain: () => Promise<void>;

beforeAll(async () => {
  const config = resolveConfig(
    parseEnv({
      VTEX_TOKENS: VTEX.join(','),
      MARKETPLACE_TOKENS: ABBIAMO,
      OPERATOR_TOKENS: OPERATOR,
      LOG_LEVEL: 'silent',
    }),
    sandboxUrls,
  );
  temporalAddress = `127.0.0.1:${await freePort()}`;
  connection = Connection.lazy({ address: temporalAddress, connectTimeout: 300 });
  const app = createApp({
    config,
    client: new Client({ connection }),
    connection,
    logger: createLogger({ level: 'silent' }),
  });
  drain = app.locals.drain as () => Promise<void>;
  server = await listen(app, 0, '127.0.0.1');
  metricsServer = await listen(metricsApp(intakeMetricsOf(app)), 0, '127.0.0.1');
});
afterAll(async () => {
  await server.close();
  await metricsServer.close();
  await drain();
  await connection.close().catch(() => undefined);
});

async function call(method: string, path: string, bearer?: string): Promise<number> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });
  await response.arrayBuffer();
  return response.status;
}

const VTEX_ROUTES = ['/vtex/services', '/vtex/services/cancel', '/vtex/services/pause'];

describe('each caller reaches its own routes only', () => {
  it("lets VTEX's tokens (every one of them: rotation) through its service routes", async () => {
    for (const path of VTEX_ROUTES)
      for (const t of VTEX) expect([path, await call('POST', path, t)]).toEqual([path, 400]);
  });

  it("refuses VTEX's token on Abbiamo's events and on operator routes (403)", async () => {
    expect(await call('POST', '/marketplace/events', VTEX[0])).toBe(403);
    expect(await call('GET', '/deliveries/vtex-abc', VTEX[0])).toBe(403);
    expect(await call('GET', '/routes/r-1', VTEX[1])).toBe(403);
  });

  it("lets Abbiamo's token post events only", async () => {
    expect(await call('POST', '/marketplace/events', ABBIAMO)).toBe(400);
    for (const path of VTEX_ROUTES) expect(await call('POST', path, ABBIAMO)).toBe(403);
    expect(await call('GET', '/deliveries/vtex-abc', ABBIAMO)).toBe(403);
  });

  it("lets operators read, and keeps them off the platforms' routes", async () => {
    expect(await call('GET', '/deliveries/not-ours', OPERATOR)).toBe(404); // past auth: the id is checked
    expect(await call('GET', '/routes/bad%22id', OPERATOR)).toBe(404); // past auth: the route id is checked
    for (const path of VTEX_ROUTES) expect(await call('POST', path, OPERATOR)).toBe(403);
    expect(await call('POST', '/marketplace/events', OPERATOR)).toBe(403);
  });

  it('answers 401 to no token, a wrong token, and INTAKE_TOKEN once every role has its own', async () => {
    expect(await call('POST', '/vtex/services')).toBe(401);
    expect(await call('POST', '/vtex/services', token('wrong'))).toBe(401);
    expect(await call('POST', '/marketplace/events', SANDBOX_DEFAULTS.intakeToken)).toBe(401);
    expect(await call('GET', '/deliveries/vtex-abc', SANDBOX_DEFAULTS.intakeToken)).toBe(401);
  });

  it("keeps the Delivery Engine webhook on Instaleap's signature, not on bearer tokens", async () => {
    // A bearer token opens nothing there: without InstaLeap-Signature the body is not even read.
    expect(await call('POST', '/delivery-engine/webhooks', OPERATOR)).toBe(401);
  });
});

describe('what the probes and metrics tell anyone who asks', () => {
  it('says not ready without an address or an error text, and metrics name no address', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', temporal: 'unreachable' });
    const metrics = await (await fetch(`${metricsServer.url}/metrics`)).text();
    expect(metrics).toContain('delivery_bridge_http_request_duration_seconds');
    expect(metrics).not.toContain(temporalAddress);
    expect(metrics).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  });

  it('serves no metrics on the public API port: they have a listener of their own (API_METRICS_PORT)', async () => {
    expect(await call('GET', '/metrics')).toBe(404);
    expect(await call('GET', '/metrics', OPERATOR)).toBe(404);
  });
});

describe('credentials in configuration', () => {
  const production = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://bridge.example.com',
    VTEX_TRACKING_URL: 'https://api.pickingnpacking.com/prod/v1',
    VTEX_AUTH_URL: 'https://auth.pickingnpacking.com/prod',
    VTEX_API_KEY: 'vtex-key',
    VTEX_CARRIER_ID: 'carrier',
    DELIVERY_ENGINE_URL: 'https://engine.example.com',
    DELIVERY_ENGINE_API_KEY: 'engine-key',
    DELIVERY_ENGINE_WEBHOOK_SECRET: 'instaleap-webhook-secret',
    DELIVERY_ENGINE_STORE_REFERENCE: 'store-1',
    MARKETPLACE_URL: 'https://abbiamo.example.com',
    MARKETPLACE_CARRIER_KEY: 'abbiamo-carrier-key',
    VTEX_TOKENS: VTEX.join(','),
    MARKETPLACE_TOKENS: ABBIAMO,
    OPERATOR_TOKENS: OPERATOR,
    WEBHOOK_SECRET: 'w'.repeat(32),
    SECRETS_KEY: 's'.repeat(32),
    LABEL_SIGNING_KEY: 'l'.repeat(32),
    CODEC_KEYS: formatKeyRing([{ id: 'k1', key: Buffer.alloc(32, 7) }]),
  };
  const refusal = (env: Record<string, string | undefined>) => {
    try {
      resolveConfig(parseEnv(env));
      return 'accepted';
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message.split('\n')).toHaveLength(1);
      return (err as Error).message;
    }
  };

  it('accepts a production configuration only with tokens of its own for each caller role', () => {
    expect(refusal(production)).toBe('accepted');
    const { VTEX_TOKENS: _v, MARKETPLACE_TOKENS: _m, OPERATOR_TOKENS: _o, ...shared } = production;
    // One shared token is every role's token: Abbiamo's could cancel VTEX's deliveries.
    expect(refusal({ ...shared, INTAKE_TOKEN: token('intake') })).toMatch(
      /^Invalid configuration: INTAKE_TOKEN must not be set when NODE_ENV=production/,
    );
    expect(refusal({ ...production, MARKETPLACE_TOKENS: undefined })).toMatch(
      /^Invalid configuration: MARKETPLACE_TOKENS is required when NODE_ENV=production/,
    );
    expect(refusal({ ...production, OPERATOR_TOKENS: undefined })).toMatch(/^Invalid configuration: OPERATOR_TOKENS /);
    // The same token under two roles is one shared token too; the refusal does not echo it.
    const twice = refusal({ ...production, OPERATOR_TOKENS: `${token('own')},${VTEX[1]}` });
    expect(twice).toMatch(/^Invalid configuration: OPERATOR_TOKENS must not share a token with VTEX_TOKENS/);
    expect(twice).not.toContain(VTEX[1]);
    // The codec server signs in operators with OPERATOR_TOKENS only, never the shared token.
    expect(() =>
      resolveCodecServer(
        parseEnv({ NODE_ENV: 'production', CODEC_KEYS: production.CODEC_KEYS, INTAKE_TOKEN: token('i') }),
      ),
    ).toThrow(/^Invalid configuration: OPERATOR_TOKENS is required when NODE_ENV=production/);
  });

  it("has the production worker refuse plaintext payloads (a signal sent without the key ring), development's pass", () => {
    expect(resolveConfig(parseEnv(production)).codecPlaintext).toBe('refuse');
    expect(resolveConfig(parseEnv({}), sandboxUrls).codecPlaintext).toBe('pass');
  });

  it('gives INTAKE_TOKEN to every role without tokens of its own, and several tokens per role', () => {
    const config = resolveConfig(parseEnv({ INTAKE_TOKEN: 'dev-one', VTEX_TOKENS: 'a, b' }), sandboxUrls);
    expect(config.callers).toEqual({ vtex: ['a', 'b'], marketplace: ['dev-one'], operator: ['dev-one'] });
  });

  it('refuses tokens under 32 characters in production, naming the variable', () => {
    expect(refusal({ ...production, MARKETPLACE_TOKENS: 'short' })).toMatch(
      /^Invalid configuration: MARKETPLACE_TOKENS must hold tokens of at least 32/,
    );
    expect(refusal({ ...production, VTEX_TOKENS: `${token('ok')},short` })).toMatch(
      /^Invalid configuration: VTEX_TOKENS /,
    );
    expect(refusal({ ...production, VTEX_TOKENS: `${token('ok')},short` })).not.toContain('short');
  });

  it('refuses the well-known development token outside sandbox mode', () => {
    const { NODE_ENV: _production, ...real } = production;
    const { VTEX_TOKENS: _vtex, ...sharedForVtex } = real;
    expect(refusal({ ...sharedForVtex, INTAKE_TOKEN: SANDBOX_DEFAULTS.intakeToken })).toMatch(
      /INTAKE_TOKEN must not hold the development token/,
    );
    expect(refusal({ ...real, OPERATOR_TOKENS: SANDBOX_DEFAULTS.intakeToken })).toMatch(
      /OPERATOR_TOKENS must not hold/,
    );
  });

  it('requires, in production, its own webhook secret, secrets key, codec keys and an https PUBLIC_URL', () => {
    expect(refusal({ ...production, WEBHOOK_SECRET: undefined })).toMatch(/WEBHOOK_SECRET is required/);
    expect(refusal({ ...production, SECRETS_KEY: undefined })).toMatch(/SECRETS_KEY is required/);
    expect(refusal({ ...production, LABEL_SIGNING_KEY: undefined })).toMatch(/LABEL_SIGNING_KEY is required/);
    expect(refusal({ ...production, CODEC_KEYS: undefined })).toMatch(/CODEC_KEYS is required/);
    expect(refusal({ ...production, CODEC_KEYS: DEV_KEY_RING })).toMatch(
      /CODEC_KEYS must not be the development key ring/,
    );
    expect(refusal({ ...production, PUBLIC_URL: 'http://bridge.example.com' })).toMatch(
      /PUBLIC_URL must be an https URL/,
    );
    expect(
      refusal({
        ...production,
        WEBHOOK_SECRET: 'engine-key-of-16+chars',
        DELIVERY_ENGINE_API_KEY: 'engine-key-of-16+chars',
      }),
    ).toMatch(/must differ from DELIVERY_ENGINE_API_KEY/);
  });

  it('names a bad codec key ring or a half mutual-TLS pair without echoing the key', () => {
    const bad = refusal({ ...production, CODEC_KEYS: 'k1:c2VjcmV0LWtleQ==' });
    expect(bad).toMatch(/^Invalid configuration: CODEC_KEYS key k1 must be 32 bytes/);
    expect(bad).not.toContain('c2VjcmV0LWtleQ');
    expect(refusal({ ...production, TEMPORAL_TLS_CERT: '/etc/tls/client.pem' })).toMatch(
      /TEMPORAL_TLS_KEY must be set together/,
    );
  });
});
