/**
 * The worker as its own process (production, docker-compose): configuration from the
 * environment, TEMPORAL_ADDRESS required, graceful stop on SIGINT/SIGTERM.
 */
import { ConfigError, describeConfig, parseEnv, resolveConfig } from '../config';
import { createLogger } from '../observability/logger';
import { createWorkerMetrics } from '../observability/metrics/worker';
import { installTracing } from '../observability/tracing';
import { serveWorkerHealth } from './health';
import { sdkMetricsEndpoint, setSdkMetricsAddress } from './runtime';
import { connectWorker, createDeliveryWorker } from './worker';

async function main(): Promise<void> {
  const env = parseEnv();
  if (!env.TEMPORAL_ADDRESS)
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'is required to run the worker on its own (npm start runs a dev server for you)',
    );
  const config = resolveConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'delivery-worker' });
  logger.info({ config: describeConfig(config) }, 'starting worker');
  setSdkMetricsAddress(env.WORKER_SDK_METRICS_ADDRESS);
  const metrics = createWorkerMetrics();
  const tracing = installTracing(config.tracing);
  const connection = await connectWorker(env.TEMPORAL_ADDRESS, logger, config.temporalSecurity);
  const worker = await createDeliveryWorker({
    config,
    connection,
    logger,
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
    metrics,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping worker: in-flight activities get 20 s to finish');
      worker.shutdown();
    });
  }
  // GET /healthz and GET /metrics (ours, then the SDK's): worker/health.ts.
  const health =
    env.WORKER_HEALTH_PORT === undefined
      ? undefined
      : await serveWorkerHealth({
          port: env.WORKER_HEALTH_PORT,
          state: () => worker.getState(),
          metrics,
          sdkMetrics: sdkMetricsEndpoint,
        });
  logger.info(
    {
      health: health && `${health.url}/healthz`,
      metrics: health && `${health.url}/metrics`,
      sdkMetrics: sdkMetricsEndpoint(),
    },
    'worker endpoints',
  );
  await worker.run();
  await health?.close();
  await connection.close();
  await tracing.flush();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
