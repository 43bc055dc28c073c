/**
 * The Temporal server of `npm run cluster`, built from the Go module proxy at the version the
 * pinned CLI embeds: its schema set up by its own SQL tool (deploy/temporal/setup-schema.sh), then
 * `temporal-server start` (frontend, history, matching and worker services in one process) on the
 * config template the temporalio/server image renders (config/docker.yaml of the server module),
 * with deploy/temporal/server.env and the dynamic config of deploy/temporal/dynamicconfig.yaml.
 * Then the namespace and the delivery search attributes, and the Web UI server pointed at it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../dev-server';
import { ensureNamespace, ensureSearchAttributes } from '../temporal-setup';
import { ensureClusterBinaries, ensureTemporalCli, goModuleDir, TEMPORAL_SERVER_VERSION } from '../temporal-cli';
import { ClusterError, type Log } from './errors';
import type { RunningPostgres } from './postgres';
import { CLUSTER, DYNAMIC_CONFIG_FILE, SCHEMA_SCRIPT, serverEnv } from './topology';

export interface RunningTemporal {
  /** frontend gRPC, host:port */
  address: string;
  /** the server's Prometheus metrics */
  metricsUrl: string;
  historyShards: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface RunningUi {
  url: string;
  stop(): Promise<void>;
}

/**
 * A free loopback port below 32768: the server stores membership ports in a PostgreSQL smallint,
 * and the kernel's ephemeral ports (what port 0 gives) start at 32768.
 */
async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new ClusterError('no free loopback port between 20000 and 32000 for the Temporal server');
}

/** The ports of the four services (gRPC and membership each), the frontend's HTTP API and the metrics. */
async function serverPorts(frontendPort?: number): Promise<Record<string, string>> {
  const names = [
    'FRONTEND_MEMBERSHIP_PORT',
    'FRONTEND_HTTP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
    'METRICS_PORT',
  ];
  const ports: Record<string, string> = { FRONTEND_GRPC_PORT: String(frontendPort || (await freePort())) };
  for (const name of names)
    ports[name] = String(name.endsWith('_MEMBERSHIP_PORT') ? await freeLowPort() : await freePort());
  return ports;
}

/** The environment docker-compose.yml gives the temporalio/server image, with this machine's addresses. */
export function serverEnvironment(
  pg: RunningPostgres,
  ports: Record<string, string>,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...serverEnv(),
    ...overrides,
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    // The template reads the visibility store's port from VISIBILITY_DB_PORT (or POSTGRES_PORT), not DB_PORT.
    VISIBILITY_DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.METRICS_PORT}`,
    ...ports,
  };
}

export interface TemporalOptions {
  pg: RunningPostgres;
  dataDir: string;
  namespace: string;
  /** frontend port; unset or 0: a free one */
  port?: number;
  /** history shards for a new database (default: deploy/temporal/server.env); fixed once created */
  historyShards?: number;
  log: Log;
}

export async function startTemporalServer(options: TemporalOptions): Promise<RunningTemporal> {
  const { pg, log } = options;
  const binaries = await ensureClusterBinaries(log);
  const moduleDir = goModuleDir('go.temporal.io/server', TEMPORAL_SERVER_VERSION);
  const template = path.join(moduleDir, 'config', 'docker.yaml');
  if (!existsSync(template)) throw new ClusterError(`the server module has no config template at ${template}`);
  mkdirSync(options.dataDir, { recursive: true });

  const check = spawnSync(binaries.server, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new ClusterError(
      `${DYNAMIC_CONFIG_FILE} is not valid for Temporal ${TEMPORAL_SERVER_VERSION}: ${oneLine(check.stdout + check.stderr)}`,
    );

  const shards = pinShards(options.dataDir, options.historyShards ?? Number(serverEnv().NUM_HISTORY_SHARDS));
  const ports = await serverPorts(options.port);
  const env = serverEnvironment(pg, ports, { NUM_HISTORY_SHARDS: String(shards) });

  const schema = spawnSync('sh', [SCHEMA_SCRIPT], {
    encoding: 'utf8',
    env: { ...env, TEMPORAL_SQL_TOOL: binaries.sqlTool },
  });
  if (schema.status !== 0) throw new ClusterError(`schema setup failed: ${oneLine(schema.stderr || schema.stdout)}`);
  log(
    `Temporal schema: ${schema.stdout
      .split('\n')
      .filter((l) => l.startsWith('setup-schema:'))
      .map((l) => l.replace('setup-schema: ', ''))
      .join('; ')}`,
  );

  const logFile = path.join(options.dataDir, 'temporal-server.log');
  const out = openSync(logFile, 'a');
  // The template is read in place from Go's module cache: `--root <module> --config config --env docker`.
  const child = spawn(binaries.server, ['--root', moduleDir, '--config', 'config', '--env', 'docker', 'start'], {
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;

  const cli = await ensureTemporalCli(log);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new ClusterError(
        `the Temporal server exited while starting (${child.exitCode}): ${lastError(logFile)} (log: ${logFile})`,
      );
    // The health check compose runs too: `temporal operator cluster health`.
    const health = spawnSync(cli, ['operator', 'cluster', 'health', '--address', address], {
      encoding: 'utf8',
      timeout: 5000,
    });
    if (health.status === 0 && health.stdout.includes('SERVING')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ClusterError(
        `the Temporal server did not answer its health check on ${address} within 120 s: ${lastError(logFile)} (log: ${logFile})`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  const connection = await Connection.connect({ address });
  try {
    if (await ensureNamespace(connection, options.namespace, CLUSTER.retentionDays))
      log(`Temporal: namespace ${options.namespace} registered`);
    const added = await ensureSearchAttributes(connection, options.namespace);
    if (added.length) log(`Temporal: search attributes registered (${added.join(', ')})`);
  } finally {
    await connection.close();
  }

  return {
    address,
    metricsUrl: `http://127.0.0.1:${ports.METRICS_PORT}/metrics`,
    historyShards: shards,
    process: child,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The shard count is written into the database at its first start and can never change: kept
 * beside the database, a different count asked for later is refused in one line.
 */
function pinShards(dataDir: string, wanted: number): number {
  const file = path.join(dataDir, 'history-shards');
  if (existsSync(file)) {
    const pinned = Number(readFileSync(file, 'utf8').trim());
    if (pinned !== wanted) {
      throw new ClusterError(
        `this cluster's database was created with ${pinned} history shards, not ${wanted}: the count is fixed for a database's life (use another CLUSTER_DATA_DIR)`,
      );
    }
    return pinned;
  }
  if (!Number.isInteger(wanted) || wanted < 1)
    throw new ClusterError(`history shards must be a whole number >= 1 (got ${wanted})`);
  writeFileSync(file, `${wanted}\n`);
  return wanted;
}

/** The Web UI server (github.com/temporalio/ui-server, the version the CLI embeds) pointed at the cluster. */
export async function startUiServer(options: {
  temporalAddress: string;
  port: number;
  namespace: string;
  dataDir: string;
  log: Log;
}): Promise<RunningUi> {
  const binaries = await ensureClusterBinaries(options.log);
  const configDir = path.join(options.dataDir, 'ui-config');
  mkdirSync(configDir, { recursive: true });
  // The UI server reads <config>/<env>.yaml.
  writeFileSync(
    path.join(configDir, 'cluster.yaml'),
    [
      `temporalGrpcAddress: ${options.temporalAddress}`,
      'host: 127.0.0.1',
      `port: ${options.port}`,
      'enableUi: true',
      `defaultNamespace: ${options.namespace}`,
      'cors:',
      '  cookieInsecure: true',
      '  allowOrigins:',
      `    - http://127.0.0.1:${options.port}`,
      `    - http://localhost:${options.port}`,
      'refreshInterval: 1m',
      '',
    ].join('\n'),
  );
  const logFile = path.join(options.dataDir, 'temporal-ui.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    binaries.uiServer,
    ['--root', options.dataDir, '--config', 'ui-config', '--env', 'cluster', 'start'],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', out, out],
      detached: true,
    },
  );
  closeSync(out);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new ClusterError(
        `the Web UI server exited while starting (${child.exitCode}): ${lastError(logFile)} (log: ${logFile})`,
      );
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ClusterError(`the Web UI server did not answer on ${url} within 30 s (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function oneLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-3)
      .join(' | ') || '(no output)'
  );
}

/** The last error the server logged (JSON lines), or its last line. */
function lastError(logFile: string): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8').slice(-20_000);
  } catch {
    return '(no log)';
  }
  const lines = text.split('\n').filter(Boolean);
  for (const line of lines.reverse()) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (entry.level === 'error' || entry.level === 'fatal')
        return `${entry.msg}${entry.error ? `: ${entry.error}` : ''}`;
    } catch {
      if (/error|unable|fail/i.test(line)) return line.trim();
    }
  }
  return lines[0]?.trim() ?? '(empty log)';
}
