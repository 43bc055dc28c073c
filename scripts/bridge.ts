/**
 * The delivery bridge in one process: Temporal connections, the worker and the intake API.
 * `npm start` runs it beside the dev server and sandboxes; integration tests run it against theirs.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createApp, intakeMetricsOf } from '../api/app';
import { metricsApp } from '../api/metrics';
import { listen, type RunningServer } from '../api/server';
import type { ServiceConfig } from '../config';
import type { Logger } from '../observability/logger';
import { createWorkerMetrics } from '../observability/metrics/worker';
import { installTracing } from '../observability/tracing';
import { createDeliveryClient } from '../security/temporalClient';
import { serveWorkerHealth } from '../worker/health';
import { sdkMetricsEndpoint } from '../worker/runtime';
import { connectWorker, createDeliveryWorker, type DeliveryWorkerOptions } from '../worker/worker';

/** The worker's health and metrics port under `npm start` (the worker container's too). */
export const DEFAULT_WORKER_HEALTH_PORT = 3001;
/** The intake's metrics port under `npm start` (API_METRICS_PORT): never the public intake port. */
export const DEFAULT_API_METRICS_PORT = 3002;

export interface BridgeOptions {
  config: ServiceConfig;
  temporalAddress: string;
  logger: Logger;
  workflowBundlePath?: string;
  activities?: object;
  workerTuning?: DeliveryWorkerOptions['tuning'];
  /** Interface the API listens on; default HOST (loopback). */
  host?: string;
  /** The worker's health and metrics port (WORKER_HEALTH_PORT); default: a free one. */
  workerHealthPort?: number;
  /** The intake's `GET /metrics` port (API_METRICS_PORT); default: a free one. */
  apiMetricsPort?: number;
}

export interface Bridge {
  apiUrl: string;
  client: Client;
  worker: Worker;
  server: RunningServer;
  /** The worker's `GET /metrics`: ours and the Temporal SDK's (docs/observability.md "Metrics"). */
  workerMetricsUrl: string;
  /** The intake's `GET /metrics`, on a listener of its own. */
  apiMetricsUrl: string;
  /** The SDK's own exporter, when this process runs one. */
  sdkMetricsUrl?: string;
  stop(): Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const { config, logger } = options;
  // Before the client and the worker: they take their interceptors from it.
  const tracing = installTracing(config.tracing);
  const native: NativeConnection = await connectWorker(
    options.temporalAddress,
    logger.child({ component: 'worker' }),
    config.temporalSecurity,
  );
  // One native (Rust) connection for the worker and the API's client: gRPC off the event loop.
  const client = createDeliveryClient(native, { namespace: config.temporal.namespace, codecKeys: config.codecKeys });

  const metrics = createWorkerMetrics();
  const worker = await createDeliveryWorker({
    config,
    connection: native,
    logger: logger.child({ component: 'worker' }),
    workflowBundlePath: options.workflowBundlePath,
    activities: options.activities,
    tuning: options.workerTuning,
    metrics,
  });
  const health = await serveWorkerHealth({
    port: options.workerHealthPort ?? 0,
    host: options.host ?? config.host,
    state: () => worker.getState(),
    metrics,
    sdkMetrics: sdkMetricsEndpoint,
  });
  const sdkMetrics = sdkMetricsEndpoint();
  const workerRun = worker.run();
  workerRun.catch((err: unknown) => logger.fatal({ err }, 'worker stopped with an error'));

  const app = createApp({ config, client, connection: native, logger: logger.child({ component: 'api' }) });
  const server = await listen(app, config.port, options.host ?? config.host);
  const metricsServer = await listen(
    metricsApp(intakeMetricsOf(app)),
    options.apiMetricsPort ?? 0,
    options.host ?? config.host,
  );

  let stopping: Promise<void> | undefined;
  return {
    apiUrl: server.url,
    client,
    worker,
    server,
    workerMetricsUrl: `${health.url}/metrics`,
    apiMetricsUrl: `${metricsServer.url}/metrics`,
    ...(sdkMetrics ? { sdkMetricsUrl: `http://${sdkMetrics}/metrics` } : {}),
    stop() {
      stopping ??= (async () => {
        await server.close();
        await metricsServer.close();
        await (app.locals.drain as () => Promise<void>)();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun.catch(() => undefined);
        await health.close();
        await native.close();
        await tracing.flush();
      })();
      return stopping;
    },
  };
}
