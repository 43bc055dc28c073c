/**
 * The intake API as its own process (production, docker-compose): TEMPORAL_ADDRESS required.
 * It listens at once (healthz 200, readyz 503) and serves callers once Temporal is connected,
 * through the SDK's native (Rust) connection: gRPC work off this process's event loop.
 * SIGINT/SIGTERM stop accepting requests and let the ones in flight finish.
 */
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, describeConfig, parseEnv, resolveConfig } from '../config';
import { createLogger } from '../observability/logger';
import { installTracing } from '../observability/tracing';
import { createDeliveryClient } from '../security/temporalClient';
import { temporalConnectionOptions } from '../security/temporalConnection';
import { installRuntime } from '../worker/runtime';
import { createApp, createWaitingApp, intakeMetricsOf } from './app';
import { metricsApp } from './metrics';
import { listen, type RunningServer } from './server';

async function main(): Promise<void> {
  const env = parseEnv();
  if (!env.TEMPORAL_ADDRESS)
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'is required to run the API on its own (npm start runs a dev server for you)',
    );
  const address = env.TEMPORAL_ADDRESS;
  const config = resolveConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'delivery-api' });
  // No SDK metrics exporter here: the API's own metrics are its GET /metrics on API_METRICS_PORT.
  await installRuntime(logger, { sdkMetrics: false });
  const tracing = installTracing(config.tracing);
  // Loopback unless HOST says otherwise (docker-compose sets 0.0.0.0 inside its container).
  const server = await listen(createWaitingApp(), config.port, config.host);
  logger.info({ url: server.url, config: describeConfig(config) }, 'intake API listening; connecting to Temporal');

  let stopping = false;
  let connection: NativeConnection | undefined;
  let drain = async () => undefined as void;
  let metricsServer: RunningServer | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      logger.info({ signal }, 'stopping intake API');
      void server
        .close()
        .then(() => metricsServer?.close())
        .then(() => drain())
        .then(() => connection?.close())
        .then(() => tracing.flush())
        .then(() => process.exit(0));
    });
  }

  for (let attempt = 1; !connection && !stopping; attempt += 1) {
    try {
      connection = await NativeConnection.connect(temporalConnectionOptions(address, config.temporalSecurity));
    } catch (err) {
      logger.warn({ address, attempt, err: (err as Error).message }, 'Temporal not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
    }
  }
  if (!connection) return;
  const client = createDeliveryClient(connection, {
    namespace: config.temporal.namespace,
    codecKeys: config.codecKeys,
  });
  const app = createApp({ config, client, connection, logger });
  drain = app.locals.drain as () => Promise<void>;
  // GET /metrics on a port of its own, reachable by Prometheus, not by the intake's callers.
  if (config.metrics.apiPort !== undefined) {
    metricsServer = await listen(metricsApp(intakeMetricsOf(app)), config.metrics.apiPort, config.host);
    logger.info({ url: `${metricsServer.url}/metrics` }, 'intake metrics listening');
  }
  server.use(app);
  logger.info({ address }, 'connected to Temporal: serving');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
