/**
 * `npm run cluster`: the production topology on this machine, without Docker. PostgreSQL (Debian's
 * package, our data folder), the Temporal server on it with more than one history shard, the Web
 * UI server, two workers and two intake API processes (PORT and PORT+1) on one task queue, and the
 * sandboxes of the systems left unset. Ctrl-C stops all of it, in reverse order; a second start
 * reuses the database (CLUSTER_DATA_DIR, default .data/cluster).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bundleDeliveryWorkflows } from '../../worker/bundle';
import {
  ConfigError,
  parseEnv,
  resolveTemporalAccess,
  SANDBOX_DEFAULTS,
  sandboxedSystems,
  type Env,
} from '../../config';
import { connectTemporalClient } from '../../security/temporalClient';
import { ensureReconcileSchedule, reconcileScheduleId } from '../temporal-setup';
import { createLogger } from '../../observability/logger';
import { startDeliveryEngineSandbox, startAbbiamoSandbox, startVtexSandbox } from '../../sandboxes';
import { freePort } from '../dev-server';
import { spawnBridgeProcess, waitHealthy, type BridgeProcess } from './bridgeProcesses';
import { ClusterError } from './errors';
import { startTemporalCluster } from './temporalCluster';
import { clusterIntakeToken, sandboxEnvironment, type SandboxUrls } from './sandboxEnv';
import { CLUSTER } from './topology';

type Stop = { name: string; stop: () => Promise<void> };

const log = (line: string) => console.log(`[cluster] ${line}`);

async function main(): Promise<void> {
  let env: Env;
  try {
    env = parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const stops: Stop[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        log(`${name} stopped`);
      } catch (err) {
        log(`${name} did not stop cleanly: ${(err as Error).message}`);
      }
    }
    process.exit(code);
  };
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive twice: from the terminal and relayed by tsx. A second one counts after 1 s.
      if (stopping && Date.now() - firstSignalAt < 1000) return;
      if (stopping) {
        console.error('\nForced exit.');
        process.exit(130);
      }
      firstSignalAt = Date.now();
      console.error(`\n${signal}: stopping the cluster (Ctrl-C again to force)...`);
      void stopAll(0);
    });
  }
  try {
    await run(env, stops, () => stopping);
  } catch (err) {
    // Every start-up failure is one line; anything else keeps its stack.
    console.error(err instanceof ClusterError || err instanceof ConfigError ? `npm run cluster: ${err.message}` : err);
    await stopAll(1);
  }
}

async function run(env: Env, stops: Stop[], stopping: () => boolean): Promise<void> {
  if (env.TEMPORAL_ADDRESS)
    throw new ClusterError(
      'TEMPORAL_ADDRESS is set: npm run cluster starts its own Temporal cluster (use npm start to run against an existing one)',
    );
  if (env.PORT === 0) throw new ClusterError('PORT must be a fixed port: the second intake API listens on PORT+1');
  // Fixed ports first, each named with the variable that moves it: one line instead of a failed start.
  const fixed: Array<[number, string]> = [
    [env.TEMPORAL_DEV_PORT, 'Temporal frontend (TEMPORAL_DEV_PORT)'],
    [env.TEMPORAL_DEV_UI_PORT, 'Temporal Web UI (TEMPORAL_DEV_UI_PORT)'],
    ...Array.from(
      { length: CLUSTER.apis },
      (_, i) => [env.PORT + i, `intake API ${i + 1} (PORT${i ? ` + ${i}` : ''})`] as [number, string],
    ),
    ...sandboxedSystems(env).map(
      (s) =>
        ({
          vtex: [env.SANDBOX_VTEX_PORT, 'VTEX sandbox (SANDBOX_VTEX_PORT)'],
          deliveryEngine: [env.SANDBOX_ENGINE_PORT, 'Delivery Engine sandbox (SANDBOX_ENGINE_PORT)'],
          abbiamo: [env.SANDBOX_MARKETPLACE_PORT, 'Abbiamo sandbox (SANDBOX_MARKETPLACE_PORT)'],
        })[s] as [number, string],
    ),
  ];
  for (const [port, what] of fixed) {
    if (port && !(await portFree(port))) throw new ClusterError(`${what} port ${port} is already in use`);
  }
  const dataDir = path.resolve(process.env.CLUSTER_DATA_DIR || path.join(env.TEMPORAL_DATA_DIR, 'cluster'));
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();

  // 1. PostgreSQL, the Temporal server, the Web UI.
  const [cluster, bundle] = await Promise.all([
    startTemporalCluster({
      dataDir,
      namespace: env.TEMPORAL_NAMESPACE,
      port: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_DEV_UI_PORT,
      log,
    }),
    bundleDeliveryWorkflows(),
  ]);
  stops.push({ name: 'Temporal cluster (server, Web UI, PostgreSQL)', stop: () => cluster.stop() });
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle);

  // 2. Sandboxes for the systems left unset. The VTEX sandbox calls the first API, Abbiamo
  //    the second: a stand-in for the load balancer in front of both.
  const sandboxed = sandboxedSystems(env);
  const apiPorts = Array.from({ length: CLUSTER.apis }, (_, i) => env.PORT + i);
  const token = env.INTAKE_TOKEN ?? clusterIntakeToken(dataDir);
  const sandboxLogger = createLogger({ level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL }).child({
    sandbox: true,
  });
  const urls: SandboxUrls = {};
  if (sandboxed.includes('vtex')) {
    const vtex = await startVtexSandbox({
      apiKey: env.VTEX_API_KEY ?? SANDBOX_DEFAULTS.vtexApiKey,
      port: env.SANDBOX_VTEX_PORT,
      intake: { url: `http://127.0.0.1:${apiPorts[0]}`, token },
      carrierId: env.VTEX_CARRIER_ID ?? SANDBOX_DEFAULTS.vtexCarrierId,
      logger: sandboxLogger.child({ system: 'vtex' }),
    });
    stops.push({ name: 'VTEX sandbox', stop: () => vtex.close() });
    urls.VTEX_TRACKING_URL = vtex.url;
    urls.VTEX_AUTH_URL = vtex.url;
  }
  if (sandboxed.includes('deliveryEngine')) {
    const autoplay = process.env.SANDBOX_AUTOPLAY;
    const engine = await startDeliveryEngineSandbox({
      apiKey: env.DELIVERY_ENGINE_API_KEY ?? SANDBOX_DEFAULTS.deliveryEngineApiKey,
      webhookSecret: env.DELIVERY_ENGINE_WEBHOOK_SECRET ?? SANDBOX_DEFAULTS.deliveryEngineWebhookSecret,
      // The account's webhook URLs: both intake APIs take engine events.
      webhook: { urls: apiPorts.map((p) => `http://127.0.0.1:${p}/delivery-engine/webhooks`) },
      port: env.SANDBOX_ENGINE_PORT,
      ...(autoplay
        ? { autoplay: { scenario: autoplay, stepMs: Number(process.env.SANDBOX_AUTOPLAY_STEP_MS ?? 2000) } }
        : {}),
      logger: sandboxLogger.child({ system: 'delivery-engine' }),
    });
    stops.push({ name: 'Delivery Engine sandbox', stop: () => engine.close() });
    urls.DELIVERY_ENGINE_URL = engine.url;
  }
  if (sandboxed.includes('abbiamo')) {
    const abbiamo = await startAbbiamoSandbox({
      port: env.SANDBOX_MARKETPLACE_PORT,
      intake: { url: `http://127.0.0.1:${apiPorts[1] ?? apiPorts[0]}`, token },
      carrierKey: env.MARKETPLACE_CARRIER_KEY ?? SANDBOX_DEFAULTS.abbiamoCarrierKey,
      confirmationTimeoutMs: env.MARKETPLACE_CONFIRMATION_TIMEOUT_MS,
      logger: sandboxLogger.child({ system: 'abbiamo' }),
    });
    stops.push({ name: 'Abbiamo sandbox', stop: () => abbiamo.close() });
    urls.MARKETPLACE_URL = abbiamo.url;
  }
  const sandboxKeys = sandboxEnvironment(env, urls, token);

  // 3. Two workers and two intake APIs, one task queue; the engine sends its events to both APIs.
  const common = {
    ...sandboxKeys,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    WORKFLOW_BUNDLE_PATH: bundlePath,
  };
  const processes: BridgeProcess[] = [];
  for (let i = 0; i < CLUSTER.workers; i += 1) {
    const apiPort = apiPorts[i % apiPorts.length]!;
    processes.push(
      spawnBridgeProcess(
        'worker',
        `worker ${i + 1}`,
        {
          ...common,
          PORT: String(apiPort),
          PUBLIC_URL: env.PUBLIC_URL ?? `http://127.0.0.1:${apiPort}`,
          WORKER_HEALTH_PORT: String(await freePort()),
        },
        path.join(logDir, `worker-${i + 1}.log`),
      ),
    );
  }
  const workers = [...processes];
  // The APIs stop before the workers (stops run in reverse): no new work reaches a draining worker.
  stops.push({
    name: `${CLUSTER.workers} workers`,
    stop: () => Promise.all(workers.map((w) => w.stop())).then(() => undefined),
  });
  const apis = apiPorts.map((port, i) =>
    spawnBridgeProcess(
      'api',
      `intake API ${i + 1}`,
      { ...common, PORT: String(port) },
      path.join(logDir, `api-${i + 1}.log`),
    ),
  );
  processes.push(...apis);
  stops.push({
    name: `${CLUSTER.apis} intake APIs`,
    stop: () => Promise.all(apis.map((a) => a.stop())).then(() => undefined),
  });
  await Promise.all(processes.map((p) => waitHealthy(p)));
  // Drift repair, as npm start and the production setup step have it: the workers run the Schedule's
  // reconcile workflow every RECONCILE_INTERVAL (docs/runbook.md "Operators").
  const setupClient = await connectTemporalClient(resolveTemporalAccess(env, cluster.address), {
    connectTimeout: 10_000,
  });
  try {
    await ensureReconcileSchedule(setupClient, {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      intervalMs: env.RECONCILE_INTERVAL,
    });
  } finally {
    await setupClient.connection.close();
  }
  for (const p of processes) {
    p.process.once('exit', (code, signal) => {
      if (!stopping()) log(`${p.name} exited (${code ?? signal}); see ${p.logFile}`);
    });
  }

  const rows: Array<[string, string]> = [
    ...apis.map(
      (a, i) => [`Intake API ${i + 1}`, `http://127.0.0.1:${apiPorts[i]}  (pid ${a.pid})`] as [string, string],
    ),
    [
      'Temporal',
      `${cluster.address}  (namespace ${cluster.namespace}, task queue ${env.TEMPORAL_TASK_QUEUE}, ${cluster.historyShards} history shards, PostgreSQL ${cluster.postgres.host}:${cluster.postgres.port})`,
    ],
    ['Temporal Web UI', cluster.uiUrl ?? '-'],
    [
      'Drift repair',
      `schedule ${reconcileScheduleId(env.TEMPORAL_TASK_QUEUE)}, every ${env.RECONCILE_INTERVAL / 1000} s (RECONCILE_INTERVAL)`,
    ],
    ...workers.map((w, i) => [`Worker ${i + 1}`, `pid ${w.pid}, health ${w.healthUrl}`] as [string, string]),
    ...(urls.VTEX_TRACKING_URL
      ? ([['VTEX sandbox', `${urls.VTEX_TRACKING_URL}  (admin ${urls.VTEX_TRACKING_URL}/_sandbox)`]] as Array<
          [string, string]
        >)
      : []),
    ...(urls.DELIVERY_ENGINE_URL
      ? ([
          ['Delivery Engine sandbox', `${urls.DELIVERY_ENGINE_URL}  (admin ${urls.DELIVERY_ENGINE_URL}/_sandbox)`],
        ] as Array<[string, string]>)
      : []),
    ...(urls.MARKETPLACE_URL
      ? ([['Abbiamo sandbox', `${urls.MARKETPLACE_URL}  (admin ${urls.MARKETPLACE_URL}/_sandbox)`]] as Array<
          [string, string]
        >)
      : []),
    ['Logs', `${logDir}/ (workers, APIs), ${dataDir}/ (temporal-server.log, temporal-ui.log, postgres.log)`],
  ];
  console.log(
    [
      '',
      `delivery-bridge cluster is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)${sandboxed.length ? `  [SANDBOX MODE: ${sandboxed.join(', ')}]` : ''}`,
      ...rows.map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
      ...(env.INTAKE_TOKEN
        ? []
        : [
            `  ${'Intake token'.padEnd(24)} Authorization: Bearer ${token}  (made for this data folder: ${dataDir}/intake-token)`,
          ]),
      ...(urls.VTEX_TRACKING_URL
        ? [
            '',
            `  Try: curl -s -X POST ${urls.VTEX_TRACKING_URL}/_sandbox/services   (VTEX sends its Create service example to us)`,
          ]
        : []),
      '  Ctrl-C stops everything; the next start reuses the database.',
      '',
    ].join('\n'),
  );
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

void main();
