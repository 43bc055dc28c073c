/**
 * `npm start`: the whole service in one terminal. A Temporal dev server (unless TEMPORAL_ADDRESS
 * is set), sandboxes of VTEX, the Delivery Engine and Abbiamo for every external URL left
 * unset, then the worker and the intake API. Ctrl-C stops all of it, in reverse order.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import {
  ConfigError,
  describeConfig,
  parseEnv,
  resolveCodecServer,
  resolveConfig,
  resolveTemporalAccess,
  SANDBOX_DEFAULTS,
  sandboxedSystems,
  tracesDestination,
  type Env,
} from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { temporalConnectionOptions } from '../security/temporalConnection';
import { startDeliveryEngineSandbox, startAbbiamoSandbox, startVtexSandbox } from '../sandboxes';
import { setSdkMetricsAddress } from '../worker/runtime';
import { startBridge, DEFAULT_API_METRICS_PORT, DEFAULT_WORKER_HEALTH_PORT } from './bridge';
import { startCodecServer } from './codec-server';
import { StartupError, startDevServer } from './dev-server';
import { ensureReconcileSchedule, ensureSearchAttributes, reconcileScheduleId } from './temporal-setup';

type Stop = { name: string; stop: () => Promise<void> };

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
  const logger = createLogger({ level: env.LOG_LEVEL });
  const stops: Stop[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        logger.info(`${name} stopped`);
      } catch (err) {
        logger.warn({ err }, `${name} did not stop cleanly`);
      }
    }
    process.exit(code);
  };
  // One Ctrl-C can arrive twice: from the terminal to the whole process group, and relayed by npm
  // or its shell. A repeat within a second is that same request, not a second Ctrl-C.
  let signalledAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping && Date.now() - signalledAt < 1000) return;
      signalledAt = Date.now();
      if (stopping) {
        console.error('\nForced exit.');
        process.exit(130);
      }
      console.error(`\n${signal}: stopping (Ctrl-C again to force)...`);
      void stopAll(0);
    });
  }

  try {
    await run(env, logger, stops);
  } catch (err) {
    logger.debug({ err }, 'start-up failed');
    console.error(startupErrorLine(err, env));
    await stopAll(1);
  }
}

/** Every start-up error in one line that says what to set; the stack only at LOG_LEVEL=debug. */
function startupErrorLine(err: unknown, env?: Env): string {
  if (err instanceof ConfigError || err instanceof StartupError) return err.message;
  const { code, port } = (err ?? {}) as { code?: string; port?: number };
  if (code === 'EADDRINUSE' && env) {
    const owners: Array<[number, string]> = [
      [env.PORT, 'PORT'],
      [env.SANDBOX_VTEX_PORT, 'SANDBOX_VTEX_PORT'],
      [env.SANDBOX_ENGINE_PORT, 'SANDBOX_ENGINE_PORT'],
      [env.SANDBOX_MARKETPLACE_PORT, 'SANDBOX_MARKETPLACE_PORT'],
      [env.CODEC_SERVER_PORT, 'CODEC_SERVER_PORT'],
      [env.WORKER_HEALTH_PORT ?? DEFAULT_WORKER_HEALTH_PORT, 'WORKER_HEALTH_PORT'],
      [env.API_METRICS_PORT ?? DEFAULT_API_METRICS_PORT, 'API_METRICS_PORT'],
    ];
    const variable = owners.find(([p]) => p === port)?.[1];
    if (variable) return `Port ${port} is already in use by another program: set ${variable} to another port`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n').find((line) => line.trim()) ?? 'unknown error';
  return `npm start failed: ${first.trim()} (LOG_LEVEL=debug shows the details)`;
}

async function run(env: Env, logger: Logger, stops: Stop[]): Promise<void> {
  const sandboxed = sandboxedSystems(env);
  if (sandboxed.length > 0) {
    logger.warn(
      { sandboxed },
      `SANDBOX MODE: ${sandboxed.join(', ')} run as local fakes (set their URLs to talk to the real systems)`,
    );
  }

  // 0. The codec server: the Web UI decodes payloads through it, for operators only.
  const codecServer = await startCodecServer(resolveCodecServer(env), logger.child({ component: 'codec-server' }));
  stops.push({ name: 'codec server', stop: () => codecServer.close() });

  // 1. Temporal
  let address = env.TEMPORAL_ADDRESS;
  let uiUrl: string | undefined;
  if (!address) {
    logger.info(
      'starting the Temporal dev server (dev server settings, docs/operations.md "The Temporal server": WAL, poll rates, one task-queue partition)...',
    );
    const server = await startDevServer({
      port: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_DEV_UI_PORT,
      dbFile: path.join(env.TEMPORAL_DATA_DIR, 'temporal.sqlite'),
      pidFile: path.join(env.TEMPORAL_DATA_DIR, 'temporal-dev-server.json'),
      namespace: env.TEMPORAL_NAMESPACE,
      uiCodecEndpoint: codecServer.url,
      log: (line) => logger.info(line),
    });
    stops.push({ name: 'Temporal dev server', stop: () => server.stop() });
    address = server.address;
    uiUrl = server.uiUrl;
  } else {
    const security = resolveTemporalAccess(env).temporalSecurity;
    const connection = await Connection.connect({
      ...temporalConnectionOptions(address, security),
      connectTimeout: 5000,
    }).catch((err: unknown) => {
      throw new StartupError(
        `Temporal at TEMPORAL_ADDRESS=${address} does not answer (${err instanceof Error ? err.message : String(err)}): ` +
          'start it, or unset TEMPORAL_ADDRESS to run the dev server',
      );
    });
    const added = await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    if (added.length) logger.info({ added }, 'search attributes registered');
    await connection.close();
  }

  // 2. Sandboxes for the systems left unset; they play the platforms against our intake.
  // Each sandbox calls with its own role's token (api/auth.ts), the dev token when none is set.
  const tokenOf = (roleTokens: string | undefined) =>
    roleTokens?.split(',')[0]?.trim() || env.INTAKE_TOKEN || SANDBOX_DEFAULTS.intakeToken;
  const intakeUrl = `http://127.0.0.1:${env.PORT}`;
  const sandboxLogger = logger.child({ sandbox: true });
  const vtex = sandboxed.includes('vtex')
    ? await startVtexSandbox({
        apiKey: env.VTEX_API_KEY ?? SANDBOX_DEFAULTS.vtexApiKey,
        port: env.SANDBOX_VTEX_PORT,
        carrierId: env.VTEX_CARRIER_ID ?? SANDBOX_DEFAULTS.vtexCarrierId,
        intake: { url: intakeUrl, token: tokenOf(env.VTEX_TOKENS) },
        logger: sandboxLogger.child({ system: 'vtex' }),
      })
    : undefined;
  if (vtex) stops.push({ name: 'VTEX sandbox', stop: () => vtex.close() });
  const autoplay = process.env.SANDBOX_AUTOPLAY;
  const engine = sandboxed.includes('deliveryEngine')
    ? await startDeliveryEngineSandbox({
        apiKey: env.DELIVERY_ENGINE_API_KEY ?? SANDBOX_DEFAULTS.deliveryEngineApiKey,
        webhookSecret: env.DELIVERY_ENGINE_WEBHOOK_SECRET ?? SANDBOX_DEFAULTS.deliveryEngineWebhookSecret,
        // The account's webhook, registered once, as the carrier does at Instaleap.
        webhook: { urls: [`${env.PUBLIC_URL ?? intakeUrl}/delivery-engine/webhooks`] },
        port: env.SANDBOX_ENGINE_PORT,
        ...(autoplay
          ? { autoplay: { scenario: autoplay, stepMs: Number(process.env.SANDBOX_AUTOPLAY_STEP_MS ?? 2000) } }
          : {}),
        logger: sandboxLogger.child({ system: 'delivery-engine' }),
      })
    : undefined;
  if (engine) stops.push({ name: 'Delivery Engine sandbox', stop: () => engine.close() });
  const abbiamo = sandboxed.includes('abbiamo')
    ? await startAbbiamoSandbox({
        port: env.SANDBOX_MARKETPLACE_PORT,
        intake: { url: intakeUrl, token: tokenOf(env.MARKETPLACE_TOKENS) },
        // The bridge sends this key (config/index.ts): the sandbox must expect the same one.
        carrierKey: env.MARKETPLACE_CARRIER_KEY ?? SANDBOX_DEFAULTS.abbiamoCarrierKey,
        confirmationTimeoutMs: env.MARKETPLACE_CONFIRMATION_TIMEOUT_MS,
        // By hand, DELIVERY_REQUESTs are often posted straight to our intake.
        unknownDeliveries: 'register',
        logger: sandboxLogger.child({ system: 'abbiamo' }),
      })
    : undefined;
  if (abbiamo) stops.push({ name: 'Abbiamo sandbox', stop: () => abbiamo.close() });

  // 3. The bridge itself.
  const config = resolveConfig(env, { vtex: vtex?.url, deliveryEngine: engine?.url, abbiamo: abbiamo?.url });
  logger.info({ config: describeConfig(config) }, 'configuration');
  // Loopback unless HOST says otherwise: the sandboxes' secrets and the dev token stay on this machine.
  setSdkMetricsAddress(env.WORKER_SDK_METRICS_ADDRESS);
  const bridge = await startBridge({
    config,
    temporalAddress: address,
    logger,
    host: config.host,
    workerHealthPort: env.WORKER_HEALTH_PORT ?? DEFAULT_WORKER_HEALTH_PORT,
    apiMetricsPort: env.API_METRICS_PORT ?? DEFAULT_API_METRICS_PORT,
  });
  stops.push({ name: 'worker and intake API', stop: () => bridge.stop() });
  // Drift repair: the bridge's worker runs it, every RECONCILE_INTERVAL (docs/runbook.md "Operators").
  await ensureReconcileSchedule(bridge.client, {
    taskQueue: config.temporal.taskQueue,
    intervalMs: config.reconcileIntervalMs,
  });

  const rows: Array<[string, string]> = [
    ['Intake API', `http://127.0.0.1:${config.port}`],
    ['Temporal', `${address}  (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`],
    ['Temporal Web UI', uiUrl ?? '(the one of your Temporal cluster)'],
    ['Codec server', `${codecServer.url}  (operators sign in at ${codecServer.url}/login; docs/security.md)`],
    [
      'Drift repair',
      `schedule ${reconcileScheduleId(config.temporal.taskQueue)}, every ${config.reconcileIntervalMs / 1000} s (RECONCILE_INTERVAL)`,
    ],
    ['API metrics', `${bridge.apiMetricsUrl}  (a port of its own, not the intake's)`],
    ['Worker metrics', `${bridge.workerMetricsUrl}  (ours and the Temporal SDK's; health: /healthz)`],
    ...(bridge.sdkMetricsUrl
      ? ([['Temporal SDK metrics', `${bridge.sdkMetricsUrl}  (the SDK's own exporter)`]] as Array<[string, string]>)
      : []),
    ['Grafana dashboard', 'deploy/grafana/delivery-bridge.json  (docs/observability.md "Metrics")'],
    [
      'Traces',
      config.tracing.endpoint
        ? `exported by OTLP to ${tracesDestination(config.tracing.endpoint)}  (service ${config.tracing.serviceName})`
        : 'not exported  (set OTEL_EXPORTER_OTLP_ENDPOINT to export them; docs/observability.md "Traces")',
    ],
    ...(vtex ? ([['VTEX sandbox', `${vtex.url}  (admin ${vtex.url}/_sandbox)`]] as Array<[string, string]>) : []),
    ...(engine
      ? ([['Delivery Engine sandbox', `${engine.url}  (admin ${engine.url}/_sandbox)`]] as Array<[string, string]>)
      : []),
    ...(abbiamo
      ? ([['Abbiamo sandbox', `${abbiamo.url}  (admin ${abbiamo.url}/_sandbox)`]] as Array<[string, string]>)
      : []),
  ];
  const lines = [
    '',
    `delivery-bridge is running${sandboxed.length ? `  [SANDBOX MODE: ${sandboxed.join(', ')}]` : ''}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
    ...(env.INTAKE_TOKEN
      ? []
      : [`  ${'Intake token (dev)'.padEnd(24)} Authorization: Bearer ${SANDBOX_DEFAULTS.intakeToken}`]),
    ...(vtex
      ? ['', `  Try: curl -s -X POST ${vtex.url}/_sandbox/services   (VTEX sends its Create service example to us)`]
      : []),
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(startupErrorLine(err));
  process.exit(1);
});
