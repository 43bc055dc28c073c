import { ConfigError, describeConfig, parseEnv, resolveConfig, SANDBOX_DEFAULTS } from '../../config';

const sandboxUrls = {
  vtex: 'http://127.0.0.1:1',
  deliveryEngine: 'http://127.0.0.1:2',
  abbiamo: 'http://127.0.0.1:3',
};

describe('configuration from the environment', () => {
  it('runs every external system as a sandbox, with the dev token, when nothing is set', () => {
    const config = resolveConfig(parseEnv({}), sandboxUrls);
    expect(config.sandboxed).toEqual(['vtex', 'deliveryEngine', 'abbiamo']);
    expect(config.intakeToken).toBe(SANDBOX_DEFAULTS.intakeToken);
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(config.temporal).toEqual({ address: undefined, namespace: 'default', taskQueue: 'deliveries' });
    expect(config.vtex.trackingUrl).toBe(sandboxUrls.vtex);
  });

  it('names the variable of a bad value in one line, without echoing secrets', () => {
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(/^Invalid configuration: PORT .*"abc"/);
    expect(() => parseEnv({ TEMPORAL_ADDRESS: 'http://x' })).toThrow(/TEMPORAL_ADDRESS must be host:port/);
    expect(() => parseEnv({ VTEX_TRACKING_URL: 'not a url' })).toThrow(/VTEX_TRACKING_URL/);
    let message = '';
    try {
      parseEnv({ WEBHOOK_SECRET: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/WEBHOOK_SECRET/);
    expect(message).not.toContain('short-secret');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('requires the credentials of every real system it talks to', () => {
    const env = parseEnv({ DELIVERY_ENGINE_URL: 'https://engine.example.com' });
    expect(() => resolveConfig(env, sandboxUrls)).toThrow(
      new ConfigError('DELIVERY_ENGINE_API_KEY', 'is required when DELIVERY_ENGINE_URL is set'),
    );
    expect(() =>
      resolveConfig(parseEnv({ VTEX_TRACKING_URL: 'https://api.example.com/prod/v1' }), sandboxUrls),
    ).toThrow(/VTEX_AUTH_URL/);
    expect(() => resolveConfig(parseEnv({ MARKETPLACE_URL: 'https://api.abbiamo.example' }), sandboxUrls)).toThrow(
      new ConfigError('MARKETPLACE_CARRIER_KEY', 'is required when MARKETPLACE_URL is set'),
    );
  });

  it('requires INTAKE_TOKEN once no sandbox runs, and refuses sandboxes in production', () => {
    const real = {
      VTEX_TRACKING_URL: 'https://api.pickingnpacking.com/prod/v1',
      VTEX_AUTH_URL: 'https://auth.pickingnpacking.com/prod',
      VTEX_API_KEY: 'k',
      VTEX_CARRIER_ID: 'c',
      DELIVERY_ENGINE_URL: 'https://engine.example.com/',
      DELIVERY_ENGINE_API_KEY: 'e',
      DELIVERY_ENGINE_WEBHOOK_SECRET: 'instaleap-secret',
      DELIVERY_ENGINE_STORE_REFERENCE: 'store-1',
      MARKETPLACE_URL: 'https://mp.example.com',
      MARKETPLACE_CARRIER_KEY: 'abbiamo-key',
    };
    expect(() => resolveConfig(parseEnv(real))).toThrow(/INTAKE_TOKEN is required/);
    const config = resolveConfig(parseEnv({ ...real, INTAKE_TOKEN: 't' }));
    expect(config.sandboxed).toEqual([]);
    expect(config.deliveryEngine.url).toBe('https://engine.example.com');
    expect(() => resolveConfig(parseEnv({ NODE_ENV: 'production' }), sandboxUrls)).toThrow(
      /VTEX_TRACKING_URL is required when NODE_ENV=production/,
    );
  });

  it('describes itself without any secret', () => {
    const config = resolveConfig(
      parseEnv({
        INTAKE_TOKEN: 'intake-secret',
        VTEX_API_KEY: 'vtex-secret',
        DELIVERY_ENGINE_API_KEY: 'engine-secret',
        MARKETPLACE_CARRIER_KEY: 'abbiamo-secret',
      }),
      sandboxUrls,
    );
    expect(config.abbiamo.carrierKey).toBe('abbiamo-secret');
    const text = JSON.stringify(describeConfig(config));
    for (const secret of ['intake-secret', 'vtex-secret', 'engine-secret', 'abbiamo-secret'])
      expect(text).not.toContain(secret);
  });

  it('reads the Instaleap account: store, seller-to-store map, operational models, and the rate card file', () => {
    const config = resolveConfig(
      parseEnv({
        DELIVERY_ENGINE_STORE_REFERENCE: 'store-main',
        DELIVERY_ENGINE_SELLER_STORES: 'seller-a=store-a, seller-b=store-b',
        DELIVERY_ENGINE_OPERATIONAL_MODELS: 'FULL_SERVICE,DELIVERY_ONLY',
      }),
      { vtex: 'http://127.0.0.1:1', deliveryEngine: 'http://127.0.0.1:2', abbiamo: 'http://127.0.0.1:3' },
    );
    expect(config.deliveryEngine).toMatchObject({
      storeReference: 'store-main',
      sellerStores: { 'seller-a': 'store-a', 'seller-b': 'store-b' },
      operationalModels: ['FULL_SERVICE', 'DELIVERY_ONLY'],
      slotSizeMinutes: 60,
      rateCard: { currency: 'BRL' },
    });
    expect(() => parseEnv({ DELIVERY_ENGINE_SELLER_STORES: 'just-a-name' })).toThrow(/DELIVERY_ENGINE_SELLER_STORES/);
    expect(() =>
      resolveConfig(parseEnv({ RATE_CARD_FILE: 'no/such/rate-card.json' }), {
        vtex: 'http://127.0.0.1:1',
        deliveryEngine: 'http://127.0.0.1:2',
        abbiamo: 'http://127.0.0.1:3',
      }),
    ).toThrow(/RATE_CARD_FILE cannot be read/);
  });
});
