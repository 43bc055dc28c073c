/**
 * docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead, against
 * what `npm run cluster` runs and proves (scripts/cluster/topology.ts and the deploy/temporal files
 * both read): the same server and UI versions, the same server settings and dynamic config files,
 * the same schema script, the same number of workers and APIs, the same health checks; and an
 * environment our own configuration parser accepts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseEnv, resolveCodecServer, resolveConfig } from '../../config';
import {
  CLUSTER,
  DYNAMIC_CONFIG_FILE,
  HEALTH_CHECKS,
  SCHEMA_SCRIPT,
  SERVER_ENV_FILE,
  serverEnv,
} from '../../scripts/cluster/topology';
import { DEV_SERVER_TUNING, dynamicConfigValues } from '../../scripts/dev-server';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  env_file?: string | string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const root = path.resolve(__dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const fromRoot = (file: string) => `./${path.relative(root, file)}`;

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

/** The container path a host file is mounted at. */
function mountOf(service: Service, hostPath: string): string | undefined {
  const volume = (service.volumes ?? []).find((v) => v.split(':')[0] === hostPath);
  return volume?.split(':')[1];
}

describe('docker-compose.yml mirrors npm run cluster', () => {
  it("has the cluster's parts: PostgreSQL, the schema job, Temporal, its Web UI, the namespace setup, the workers and the APIs, and Prometheus and Grafana", () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'codec-server',
      'grafana',
      'postgresql',
      'prometheus',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
  });

  it('runs the Temporal server and UI versions the cluster builds (those the pinned CLI embeds), on the PostgreSQL major it runs on', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${CLUSTER.serverVersion}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${CLUSTER.uiVersion}`);
    // The schema job uses the image's temporal-sql-tool, which is the server's version (the tag's first part).
    expect(services['temporal-schema']!.image).toMatch(
      new RegExp(`^temporalio/admin-tools:${CLUSTER.serverVersion.replace(/\./g, '\\.')}-`),
    );
    expect(services.postgresql!.image).toMatch(new RegExp(`^postgres:${CLUSTER.postgresMajor}\\.\\d+-bookworm$`));
    expect(services.postgresql!.command).toEqual([
      'postgres',
      '-c',
      `max_connections=${CLUSTER.postgresMaxConnections}`,
    ]);
  });

  it('gives the server the settings file and the dynamic config file the cluster reads, overriding none of their keys', () => {
    for (const name of ['temporal', 'temporal-schema']) {
      expect([name, services[name]!.env_file]).toEqual([name, fromRoot(SERVER_ENV_FILE)]);
      const overridden = Object.keys(services[name]!.environment ?? {}).filter((key) => key in serverEnv());
      expect([name, overridden]).toEqual([name, []]);
    }
    expect(serverEnv()).toMatchObject({ DB: 'postgres12' });
    expect(Number(serverEnv().NUM_HISTORY_SHARDS)).toBeGreaterThan(1);
    const mounted = mountOf(services.temporal!, fromRoot(DYNAMIC_CONFIG_FILE));
    expect(mounted).toBeDefined();
    expect(services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH).toBe(mounted);
  });

  it("sets the schema up with the cluster's own script", () => {
    const mountedDir = mountOf(services['temporal-schema']!, fromRoot(path.dirname(SCHEMA_SCRIPT)));
    expect(services['temporal-schema']!.command).toEqual(['sh', `${mountedDir}/${path.basename(SCHEMA_SCRIPT)}`]);
    expect(services['temporal-schema']!.environment).toMatchObject({ POSTGRES_SEEDS: 'postgresql' });
    expect(services.temporal!.environment).toMatchObject({
      POSTGRES_SEEDS: 'postgresql',
      DB_PORT: 5432,
      VISIBILITY_DB_PORT: 5432,
    });
  });

  it("registers the namespace with the cluster's retention, then runs as many workers and APIs as the cluster", () => {
    expect(services['temporal-setup']!.environment!.TEMPORAL_NAMESPACE_RETENTION_DAYS).toBe(CLUSTER.retentionDays);
    expect(services.worker!.deploy?.replicas).toBe(CLUSTER.workers);
    expect(services.api!.deploy?.replicas).toBe(CLUSTER.apis);
    // PORT, PORT+1, ... as the cluster's APIs listen.
    expect(services.api!.ports).toEqual([`3000-${3000 + CLUSTER.apis - 1}:3000`]);
    // Temporal, the Web UI and the codec server on loopback only (docs/security.md).
    expect(services.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']!.ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services['codec-server']!.ports).toEqual(['127.0.0.1:8234:8234']);
  });

  it('health-checks each part the way the cluster does, and starts each after what it needs', () => {
    const test = (name: string) => services[name]!.healthcheck!.test.join(' ');
    expect(test('postgresql')).toContain(HEALTH_CHECKS.postgresql.join(' '));
    expect(test('temporal')).toContain(HEALTH_CHECKS.temporal.join(' '));
    expect(test('temporal-ui')).toContain(`http://127.0.0.1:8080${HEALTH_CHECKS.ui.split(' ')[1]}`);
    expect(test('worker')).toContain(`http://127.0.0.1:3001${HEALTH_CHECKS.worker.split(' ')[1]}`);
    expect(test('api')).toContain(`http://127.0.0.1:3000${HEALTH_CHECKS.api.split(' ')[1]}`);
    expect(test('codec-server')).toContain('http://127.0.0.1:8234/healthz');
    expect(services['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['temporal-setup']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services.worker!.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    expect(services.api!.depends_on).toMatchObject({
      'temporal-setup': { condition: 'service_completed_successfully' },
      worker: { condition: 'service_healthy' },
    });
  });

  it('pins every image and builds ours from the Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect([name, existsSync(path.join(root, 'Dockerfile'))]).toEqual([name, true]);
      else expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:v?\d[\w.-]*$/)]);
    }
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
      VTEX_TOKENS: 'v'.repeat(32),
      MARKETPLACE_TOKENS: 'm'.repeat(32),
      OPERATOR_TOKENS: 'o'.repeat(32),
      VTEX_CARRIER_ID: 'carrier',
      VTEX_API_KEY: 'vtex-key',
      DELIVERY_ENGINE_URL: 'https://engine.example.com',
      DELIVERY_ENGINE_API_KEY: 'engine-key',
      MARKETPLACE_URL: 'https://abbiamo.example.com',
      MARKETPLACE_CARRIER_KEY: 'abbiamo-key',
      WEBHOOK_SECRET: 'w'.repeat(32),
      SECRETS_KEY: 's'.repeat(32),
      LABEL_SIGNING_KEY: 'l'.repeat(32),
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
    const codec = resolveCodecServer(parseEnv(resolveEnv(services['codec-server']!.environment!, secrets)));
    expect(codec).toMatchObject({ host: '0.0.0.0', port: 8234, corsOrigins: ['http://localhost:8233'] });
  });

  it('asks for each caller role its own tokens, and no shared INTAKE_TOKEN', () => {
    const required = (name: string) => String(services.api!.environment![name]).startsWith(`\${${name}:?`);
    for (const name of ['VTEX_TOKENS', 'MARKETPLACE_TOKENS', 'OPERATOR_TOKENS'])
      expect([name, required(name)]).toEqual([name, true]);
    for (const name of ['api', 'worker', 'codec-server'])
      expect([name, 'INTAKE_TOKEN' in services[name]!.environment!]).toEqual([name, false]);
  });
});

describe('.env.example, the file docker-compose.yml reads', () => {
  it('names every variable the compose file requires', () => {
    const required = new Set(
      [...readFileSync(path.join(root, 'docker-compose.yml'), 'utf8').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!),
    );
    const listed = new Set(
      [...readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^#? ?(\w+)=/gm)].map((m) => m[1]!),
    );
    expect([...required].filter((name) => !listed.has(name))).toEqual([]);
  });
});

describe('docker-compose.yml runs the monitoring deploy/ describes', () => {
  const readYaml = (file: string) => parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, any>;

  it("gives Prometheus deploy/prometheus/prometheus.yml, whose targets are the compose services' metrics ports, none the public API port", () => {
    const prometheus = services.prometheus!;
    const mounted = mountOf(prometheus, './deploy/prometheus/prometheus.yml');
    expect(prometheus.command).toContain(`--config.file=${mounted}`);
    const ports: Record<string, number> = {
      api: Number(services.api!.environment!.API_METRICS_PORT),
      worker: Number(services.worker!.environment!.WORKER_HEALTH_PORT),
    };
    // The intake's metrics leave the port its callers reach, and no metrics port is published.
    expect(ports.api).not.toBe(Number(services.api!.environment!.PORT));
    const published = (name: string) => (services[name]!.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    expect(published('api')).not.toContain(ports.api);
    expect(published('worker')).not.toContain(ports.worker);
    const targets = (readYaml('deploy/prometheus/prometheus.yml').scrape_configs as any[]).flatMap((job) =>
      (job.dns_sd_configs as any[]).flatMap((sd) => (sd.names as string[]).map((name) => `${name}:${sd.port}`)),
    );
    expect(targets.sort()).toEqual(Object.entries(ports).map(([name, port]) => `${name}:${port}`));
    expect(prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
  });

  it('gives Grafana its provisioning, the dashboard where that provisioning looks, and Prometheus as the data source', () => {
    const grafana = services.grafana!;
    expect(mountOf(grafana, './deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const providers = readYaml('deploy/grafana/provisioning/dashboards/delivery-bridge.yml').providers as any[];
    const dashboard = mountOf(grafana, './deploy/grafana/delivery-bridge.json')!;
    expect(providers.map((p) => p.options.path)).toEqual([path.posix.dirname(dashboard)]);
    const [source] = readYaml('deploy/grafana/provisioning/datasources/delivery-bridge.yml').datasources as any[];
    const prometheusPort = services.prometheus!.ports![0]!.split(':').at(-1);
    expect(source).toMatchObject({ type: 'prometheus', url: `http://prometheus:${prometheusPort}` });
    expect(grafana.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
    // No anonymous access: the admin password must be set.
    expect(grafana.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'false' });
    expect(String(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD)).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(grafana.ports).toEqual(['127.0.0.1:3030:3000']);
  });
});

describe('deploy/temporal/dynamicconfig.yaml, the one dynamic config', () => {
  it('is what the dev server gets as flags, key by key', () => {
    const values = dynamicConfigValues();
    expect(Object.keys(values).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(values)) {
      const flag = DEV_SERVER_TUNING.indexOf(`${key}=${JSON.stringify(value)}`);
      expect([key, flag > 0 && DEV_SERVER_TUNING[flag - 1]]).toEqual([key, '--dynamic-config-value']);
    }
  });

  it('keeps the raised poll rates, the single task-queue partition and eager activities the benchmarks were measured with', () => {
    expect(dynamicConfigValues()).toEqual({
      'history.transferProcessorMaxPollRPS': 1000,
      'history.timerProcessorMaxPollRPS': 1000,
      'history.visibilityProcessorMaxPollRPS': 1000,
      'matching.numTaskqueueReadPartitions': 1,
      'matching.numTaskqueueWritePartitions': 1,
      'system.enableActivityEagerExecution': true,
    });
  });
});
