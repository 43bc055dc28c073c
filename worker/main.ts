/**
 * The worker as its own process (production, docker-compose): configuration from the
 * environment, TEMPORAL_ADDRESS required, graceful stop on SIGINT/SIGTERM.
 */
import { ConfigError, describeConfig, parseEnv, resolveConfig } from '../config';
import { createLogger } from '../observability/logger';
import { installTracing } from '../observability/tracing';
import http from 'node:http';
import { connectWorker, createDeliveryWorker } from './worker';

/** `GET /healthz`: 200 while the worker runs (container health checks). */
function serveHealth(port: number, state: () => string): http.Server {
  return http
    .createServer((_req, res) => {
      const current = state();
      res.writeHead(current === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ worker: current }));
    })
    .listen(port);
}

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
  const tracing = installTracing(config.tracing);
  const connection = await connectWorker(env.TEMPORAL_ADDRESS, logger, config.temporalSecurity);
  const worker = await createDeliveryWorker({
    config,
    connection,
    logger,
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping worker: in-flight activities get 20 s to finish');
      worker.shutdown();
    });
  }
  const health =
    env.WORKER_HEALTH_PORT === undefined ? undefined : serveHealth(env.WORKER_HEALTH_PORT, () => worker.getState());
  await worker.run();
  health?.close();
  await connection.close();
  await tracing.flush();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
