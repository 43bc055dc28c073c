/**
 * The delivery bridge in one process: Temporal connections, the worker and the intake API.
 * `npm start` runs it beside the dev server and sandboxes; integration tests run it against theirs.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { listen, type RunningServer } from '../api/server';
import type { ServiceConfig } from '../config';
import type { Logger } from '../observability/logger';
import { installTracing } from '../observability/tracing';
import { createDeliveryClient } from '../security/temporalClient';
import { connectWorker, createDeliveryWorker, type DeliveryWorkerOptions } from '../worker/worker';

export interface BridgeOptions {
  config: ServiceConfig;
  temporalAddress: string;
  logger: Logger;
  workflowBundlePath?: string;
  activities?: object;
  workerTuning?: DeliveryWorkerOptions['tuning'];
  /** Interface the API listens on; default HOST (loopback). */
  host?: string;
}

export interface Bridge {
  apiUrl: string;
  client: Client;
  worker: Worker;
  server: RunningServer;
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

  const worker = await createDeliveryWorker({
    config,
    connection: native,
    logger: logger.child({ component: 'worker' }),
    workflowBundlePath: options.workflowBundlePath,
    activities: options.activities,
    tuning: options.workerTuning,
  });
  const workerRun = worker.run();
  workerRun.catch((err: unknown) => logger.fatal({ err }, 'worker stopped with an error'));

  const app = createApp({ config, client, connection: native, logger: logger.child({ component: 'api' }) });
  const server = await listen(app, config.port, options.host ?? config.host);

  let stopping: Promise<void> | undefined;
  return {
    apiUrl: server.url,
    client,
    worker,
    server,
    stop() {
      stopping ??= (async () => {
        await server.close();
        await (app.locals.drain as () => Promise<void>)();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun.catch(() => undefined);
        await native.close();
        await tracing.flush();
      })();
      return stopping;
    },
  };
}
