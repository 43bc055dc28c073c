/**
 * What every measurement runs against: ONE Temporal server (the dev server with the settings of
 * deploy/temporal/dynamicconfig.yaml, or with `--target cluster` the cluster of `npm run cluster`: PostgreSQL and the
 * Temporal server built from the Go proxy), the sandboxes in their own process, and per
 * measurement a fresh set of workers on fresh task queues: our worker(s) (worker/main.ts) and
 * intake API (api/main.ts), and the bare worker.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleDeliveryWorkflows } from '../../worker/bundle';
import { SANDBOX_DEFAULTS } from '../../config';
import { startTemporalCluster, type TemporalCluster } from '../cluster/temporalCluster';
import { freePort, startDevServer, type DevServer } from '../dev-server';
import { formatKeyRing } from '../../security/codec';
import { createDataConverter } from '../../security/dataConverter';
import { requestJson } from './http';
import { compiledInto, REPO_ROOT, spawnTs, useCompiled, type Child } from './processes';
import type { VtexCallSeen } from './sandboxes';
import type { ActivityRan } from './bareActivities';
import { sleep } from './stats';

export const BENCH_CREDENTIALS = {
  // Production rules apply (NODE_ENV=production): each caller role its own tokens of 32 characters or
  // more, a key ring of its own. The bench calls the intake as VTEX only.
  vtexToken: 'bench-vtex-token-0123456789abcdef0123',
  abbiamoToken: 'bench-abbiamo-token-0123456789abcdef',
  operatorToken: 'bench-operator-token-0123456789abcdef',
  vtexApiKey: 'bench-vtex-api-key',
  engineApiKey: 'bench-engine-api-key',
  webhookSecret: 'bench-webhook-secret-0123456789',
  /** what the engine signs its events with (`InstaLeap-Signature`) */
  engineWebhookSecret: 'bench-instaleap-webhook-secret',
  storeReference: 'bench-store',
  secretsKey: 'bench-secrets-key-0123456789abcdef0123456789',
  labelSigningKey: 'bench-label-signing-key-0123456789abcdef',
  carrierId: 'bench-carrier',
  codecKeys: formatKeyRing([{ id: 'bench-1', key: createHash('sha256').update('delivery-bridge bench key').digest() }]),
};

export interface SandboxUrls {
  vtex: string;
  engine: string;
  abbiamo: string;
}

/** Which Temporal server the bench runs against. */
export type BenchTarget = { kind: 'dev' } | { kind: 'cluster'; historyShards?: number };

/** The server as the measurements see it: its address and its process (for CPU and RSS). */
export type BenchServer = Pick<DevServer, 'address' | 'process' | 'stop'>;

/** Our worker(s) and API, and the bare worker, for one measurement. */
export interface Services {
  label: string;
  apiUrl: string;
  ourQueue: string;
  bareQueue: string;
  /** the first of `workers` */
  worker: Child;
  workers: Child[];
  api: Child;
  bare: Child;
  stop(): Promise<void>;
}

export class BenchEnvironment {
  /** tracking hook calls VTEX took: `vtex-call` events (VtexCallSeen) */
  readonly vtexCalls = new EventEmitter();
  /** bare activities that ran: `activity` events (ActivityRan) */
  readonly bareActivities = new EventEmitter();
  client!: Client;
  private connection!: Connection;
  server!: BenchServer;
  /** set with the cluster target */
  cluster?: TemporalCluster;
  sandboxes!: Child;
  urls!: SandboxUrls;
  private ourBundle!: string;
  private bareBundle!: string;
  private serial = 0;

  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void,
    readonly target: BenchTarget = { kind: 'dev' },
  ) {
    this.vtexCalls.setMaxListeners(0);
    this.bareActivities.setMaxListeners(0);
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.log(`run folder ${this.dir}`);
    const started = Date.now();
    // Compiled JavaScript, as the Docker image runs it: no TypeScript loader in the measured processes.
    if (!compiledInto()) {
      const build = path.join(this.dir, 'build');
      execFileSync(
        process.execPath,
        [
          require.resolve('typescript/bin/tsc'),
          '-p',
          path.join(REPO_ROOT, 'tsconfig.json'),
          '--outDir',
          build,
          '--sourceMap',
          'false',
        ],
        { stdio: 'inherit' },
      );
      useCompiled(build);
    }
    const [server, ours, bare] = await Promise.all([
      this.startServer(),
      bundleDeliveryWorkflows(),
      bundleDeliveryWorkflows(require.resolve('./bareWorkflows')),
    ]);
    this.server = server;
    this.ourBundle = path.join(this.dir, 'workflow-bundle.js');
    this.bareBundle = path.join(this.dir, 'bare-workflow-bundle.js');
    writeFileSync(this.ourBundle, ours);
    writeFileSync(this.bareBundle, bare);
    this.connection = await Connection.connect({ address: server.address });
    // Both workers encrypt like production (docs/security.md), so the bare baseline pays the codec too.
    this.client = new Client({
      connection: this.connection,
      dataConverter: createDataConverter(BENCH_CREDENTIALS.codecKeys),
    });

    this.sandboxes = spawnTs(
      'sandboxes',
      'scripts/bench/sandboxes.ts',
      {
        VTEX_API_KEY: BENCH_CREDENTIALS.vtexApiKey,
        DELIVERY_ENGINE_API_KEY: BENCH_CREDENTIALS.engineApiKey,
        DELIVERY_ENGINE_WEBHOOK_SECRET: BENCH_CREDENTIALS.engineWebhookSecret,
      },
      path.join(this.dir, 'sandboxes.log'),
    );
    const ready = await this.sandboxes.once<SandboxUrls & { kind: 'ready' }>('ready');
    this.urls = { vtex: ready.vtex, engine: ready.engine, abbiamo: ready.abbiamo };
    this.sandboxes.messages.on('vtex-call', (seen: VtexCallSeen) => this.vtexCalls.emit('vtex-call', seen));
    this.log(
      `${this.describeServer()} ${server.address}, sandboxes ${this.urls.vtex} (VTEX) ${this.urls.engine} (engine), bundles ready in ${Date.now() - started} ms`,
    );
  }

  private async startServer(): Promise<BenchServer> {
    if (this.target.kind === 'dev')
      return startDevServer({ dbFile: path.join(this.dir, 'temporal.sqlite'), uiPort: false, log: this.log });
    // A fresh database in the run folder: the figures start from an empty cluster, like the dev server's.
    this.cluster = await startTemporalCluster({
      dataDir: path.join(this.dir, 'cluster'),
      uiPort: false,
      historyShards: this.target.historyShards,
      log: this.log,
    });
    return this.cluster.server;
  }

  describeServer(): string {
    return this.cluster ? `Temporal cluster (${this.cluster.historyShards} history shards, PostgreSQL)` : 'dev server';
  }

  /** The processes whose CPU a measurement reports: the server (and PostgreSQL), ours, the bare worker, the sandboxes. */
  pids(services: Services, withBare = true): Record<string, number> {
    return {
      server: this.server.process.pid!,
      ...(this.cluster ? { postgres: this.cluster.postgres.process.pid! } : {}),
      ...Object.fromEntries(services.workers.map((w, i) => [i === 0 ? 'worker' : `worker${i + 1}`, w.pid])),
      api: services.api.pid,
      ...(withBare ? { bare: services.bare.pid } : {}),
      sandboxes: this.sandboxes.pid,
    };
  }

  /** Fresh workers on fresh task queues: nothing left from an earlier measurement reaches them. */
  async startServices(label: string, options: { profile?: boolean; workers?: number } = {}): Promise<Services> {
    this.serial += 1;
    const suffix = `${label}-${this.serial}-${randomBytes(3).toString('hex')}`;
    const ourQueue = `bench-ours-${suffix}`;
    const bareQueue = `bench-bare-${suffix}`;
    const [apiPort, healthPort] = [await freePort(), await freePort()];
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: this.server.address,
      TEMPORAL_TASK_QUEUE: ourQueue,
      PORT: String(apiPort),
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      VTEX_TOKENS: BENCH_CREDENTIALS.vtexToken,
      MARKETPLACE_TOKENS: BENCH_CREDENTIALS.abbiamoToken,
      OPERATOR_TOKENS: BENCH_CREDENTIALS.operatorToken,
      VTEX_CARRIER_ID: BENCH_CREDENTIALS.carrierId,
      VTEX_API_KEY: BENCH_CREDENTIALS.vtexApiKey,
      VTEX_TRACKING_URL: this.urls.vtex,
      VTEX_AUTH_URL: this.urls.vtex,
      DELIVERY_ENGINE_URL: this.urls.engine,
      DELIVERY_ENGINE_API_KEY: BENCH_CREDENTIALS.engineApiKey,
      DELIVERY_ENGINE_WEBHOOK_SECRET: BENCH_CREDENTIALS.engineWebhookSecret,
      DELIVERY_ENGINE_STORE_REFERENCE: BENCH_CREDENTIALS.storeReference,
      MARKETPLACE_URL: this.urls.abbiamo,
      // An explicit partner URL needs its key; the sandbox's default one.
      MARKETPLACE_CARRIER_KEY: SANDBOX_DEFAULTS.abbiamoCarrierKey,
      WEBHOOK_SECRET: BENCH_CREDENTIALS.webhookSecret,
      SECRETS_KEY: BENCH_CREDENTIALS.secretsKey,
      LABEL_SIGNING_KEY: BENCH_CREDENTIALS.labelSigningKey,
      CODEC_KEYS: BENCH_CREDENTIALS.codecKeys,
      // Worker settings under study pass through (e.g. WORKER_MAX_CACHED_WORKFLOWS=1000 npm run bench).
      ...Object.fromEntries(
        ['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'].flatMap((name) =>
          process.env[name] ? [[name, process.env[name]!]] : [],
        ),
      ),
    };
    const logOf = (name: string) => path.join(this.dir, `${label}-${this.serial}-${name}.log`);
    // --profile: V8 CPU profiles of every thread, written when the process exits (SIGTERM).
    const profiled = (name: string): string[] =>
      options.profile
        ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.dir, 'profiles', `${label}-${this.serial}-${name}`)}`]
        : [];
    const healthPorts = [healthPort];
    for (let i = 1; i < (options.workers ?? 1); i += 1) healthPorts.push(await freePort());
    const workers = healthPorts.map((port, i) => {
      const name = i === 0 ? 'worker' : `worker${i + 1}`;
      return spawnTs(
        name,
        'worker/main.ts',
        { ...common, WORKER_HEALTH_PORT: String(port), WORKFLOW_BUNDLE_PATH: this.ourBundle },
        logOf(name),
        profiled(name),
      );
    });
    const worker = workers[0]!;
    const api = spawnTs('api', 'api/main.ts', common, logOf('api'), profiled('api'));
    const bare = spawnTs(
      'bare worker',
      'scripts/bench/bareWorker.ts',
      {
        TEMPORAL_ADDRESS: this.server.address,
        TEMPORAL_TASK_QUEUE: bareQueue,
        BARE_WORKFLOW_BUNDLE: this.bareBundle,
        CODEC_KEYS: BENCH_CREDENTIALS.codecKeys,
      },
      logOf('bare-worker'),
      profiled('bare-worker'),
    );
    bare.messages.on('activity', (ran: ActivityRan) => this.bareActivities.emit('activity', ran));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await Promise.all([
      ...workers.map((w, i) => waitHttpOk(`http://127.0.0.1:${healthPorts[i]}/healthz`, w)),
      waitHttpOk(`${apiUrl}/readyz`, api),
      bare.once('ready'),
    ]);
    return {
      label,
      apiUrl,
      ourQueue,
      bareQueue,
      worker,
      workers,
      api,
      bare,
      async stop() {
        await Promise.all([api.stop(), ...workers.map((w) => w.stop()), bare.stop()]);
      },
    };
  }

  /** Forget the sandboxes' call records (they are kept up to 10,000 and filtered per request). */
  async clearCalls(): Promise<void> {
    await Promise.all([
      requestJson('DELETE', `${this.urls.vtex}/_sandbox/calls`),
      requestJson('DELETE', `${this.urls.engine}/_sandbox/calls`),
    ]);
  }

  async stop(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    await this.sandboxes?.stop();
    await (this.cluster ?? this.server)?.stop();
  }
}

async function waitHttpOk(url: string, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited (${child.process.exitCode}) while starting`);
    try {
      const answer = await requestJson('GET', url, undefined, {}, 2000);
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name}: ${url} not ready within ${timeoutMs} ms`);
    await sleep(200);
  }
}
