/**
 * docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead: the
 * services of the production picture, pinned images, health checks, start order, and an
 * environment our own configuration parser accepts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseEnv, resolveCodecServer, resolveConfig } from '../../config';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const root = path.resolve(__dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

/** `${NAME:-default}` / `${NAME:?msg}` as compose would fill them from a complete .env file. */
function resolveEnv(env: Record<string, string | number>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(
        /\$\{(\w+)(?::[-?]([^}]*))?\}/g,
        (_m, name: string, fallback?: string) => values[name] ?? fallback ?? '',
      ),
    ]),
  );
}

describe('docker-compose.yml (production shape)', () => {
  it('has Temporal on PostgreSQL, its Web UI, the search-attribute setup, the worker and the intake API', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'codec-server',
      'postgresql',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:1\.29\.\d+$/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
  });

  it('pins every image and builds ours from the Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect([name, existsSync(path.join(root, 'Dockerfile'))]).toEqual([name, true]);
      else expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:\d[\w.-]*$/)]);
    }
  });

  it('health-checks every long-running service and starts each after what it needs', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker', 'api', 'codec-server']) {
      expect([name, services[name]!.healthcheck?.test.length]).toEqual([name, expect.any(Number)]);
    }
    expect(services.temporal!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services['temporal-setup']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    expect(services.api!.depends_on).toMatchObject({
      'temporal-setup': { condition: 'service_completed_successfully' },
      worker: { condition: 'service_healthy' },
    });
  });

  it('publishes the intake API; Temporal, the Web UI and the codec server on loopback only', () => {
    expect(services.api!.ports).toEqual(['3000:3000']);
    expect(services.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']!.ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services['codec-server']!.ports).toEqual(['127.0.0.1:8234:8234']);
  });

  it('runs commands whose sources exist', () => {
    for (const name of ['api', 'worker', 'temporal-setup', 'codec-server']) {
      const script = services[name]!.command!.find((part) => part.startsWith('dist/'))!;
      const source = path.join(root, script.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      expect([name, existsSync(source)]).toEqual([name, true]);
    }
  });

  it('gives the API and the worker an environment our configuration accepts in production', () => {
    const secrets = {
      PUBLIC_URL: 'https://bridge.example.com',
      INTAKE_TOKEN: 'intake-token-of-at-least-32-characters',
      VTEX_CARRIER_ID: 'carrier',
      VTEX_API_KEY: 'vtex-key',
      DELIVERY_ENGINE_URL: 'https://engine.example.com',
      DELIVERY_ENGINE_API_KEY: 'engine-key',
      MARKETPLACE_URL: 'https://marketplace.example.com',
      MARKETPLACE_CARRIER_KEY: 'abbiamo-key',
      WEBHOOK_SECRET: 'w'.repeat(32),
      SECRETS_KEY: 's'.repeat(32),
      CODEC_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    for (const name of ['api', 'worker']) {
      const env = resolveEnv(services[name]!.environment!, secrets);
      const config = resolveConfig(parseEnv(env));
      expect(config.env).toBe('production');
      expect(config.sandboxed).toEqual([]);
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.vtex.trackingUrl).toBe('https://api.pickingnpacking.com/prod/v1');
    }
    const codec = resolveCodecServer(
      parseEnv(resolveEnv(services['codec-server']!.environment!, { ...secrets, OPERATOR_TOKENS: 'o'.repeat(32) })),
    );
    expect(codec).toMatchObject({ host: '0.0.0.0', port: 8234, corsOrigins: ['http://localhost:8233'] });
  });
});
