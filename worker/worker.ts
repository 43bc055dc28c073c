/**
 * The delivery worker: runs delivery workflows and the activities that call VTEX, the Delivery
 * Engine and Abbiamo. Shut down gracefully: polling stops, in-flight activities get
 * `shutdownGraceTime` to finish, then they are cancelled and handed back to Temporal for a retry.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ServiceConfig } from '../config';
import { createActivities } from '../activities';
import type { Logger } from '../observability/logger';
import type { WorkerMetrics } from '../observability/metrics/worker';
import { activeTracing } from '../observability/tracing';
import { createDataConverter } from '../security/dataConverter';
import { temporalConnectionOptions, type TemporalConnectionSecurity } from '../security/temporalConnection';
import { installRuntime } from './runtime';

export interface DeliveryWorkerOptions {
  config: Pick<
    ServiceConfig,
    | 'temporal'
    | 'publicUrl'
    | 'vtex'
    | 'deliveryEngine'
    | 'abbiamo'
    | 'worker'
    | 'secretsKey'
    | 'codecKeys'
    | 'codecPlaintext'
    | 'labels'
  >;
  connection: NativeConnection;
  logger: Logger;
  /** Prebuilt workflow bundle (tests build it once); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  activities?: object;
  /** The worker's metrics registry (docs/observability.md "Metrics"); none: activities are not measured. */
  metrics?: WorkerMetrics;
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxCachedWorkflows'
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'shutdownGraceTime'
    >
  >;
}

export async function createDeliveryWorker(options: DeliveryWorkerOptions): Promise<Worker> {
  await installRuntime(options.logger);
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: options.activities ?? createActivities({ config, metrics: options.metrics }),
    // Every payload and failure the worker writes is encrypted, and in production one that reaches
    // it in plaintext (sent without the key ring) is refused (docs/security.md).
    dataConverter: createDataConverter(config.codecKeys, { plaintext: config.codecPlaintext }),
    // Traces (docs/observability.md "Traces"): activity spans when on; the workflow module is in every bundle.
    interceptors: activeTracing().workerInterceptors({ bundling: !options.workflowBundlePath }),
    sinks: activeTracing().workflowSinks(),
    // Activities wait on HTTP, not CPU: many may run at once.
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    shutdownGraceTime: '20s',
    ...config.worker,
    ...options.tuning,
  });
}

/** The worker's connection; installs the runtime first, as the first connection fixes it. */
export async function connectWorker(
  address: string,
  logger: Logger,
  security?: TemporalConnectionSecurity,
): Promise<NativeConnection> {
  await installRuntime(logger);
  return NativeConnection.connect(temporalConnectionOptions(address, security));
}
