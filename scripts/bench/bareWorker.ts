/**
 * The bare worker, a process of its own like worker/main.ts: the bare workflows of
 * bareWorkflows.ts (prebuilt bundle) and the no-op activity, with the worker options ours uses
 * (worker/worker.ts), so the two differ only in what their workflows and activities do.
 *
 * Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, BARE_WORKFLOW_BUNDLE. Stops on SIGTERM/SIGINT.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createDataConverter } from '../../security/dataConverter';
import { createBareActivities, type ActivityRan } from './bareActivities';
import { required } from './env';

async function main(): Promise<void> {
  const address = required('TEMPORAL_ADDRESS');
  const taskQueue = required('TEMPORAL_TASK_QUEUE');
  const bundlePath = required('BARE_WORKFLOW_BUNDLE');
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const notify = process.send ? (message: ActivityRan) => process.send!(message) : undefined;
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities: createBareActivities(notify),
    dataConverter: createDataConverter(required('CODEC_KEYS')),
    // The same as worker/worker.ts.
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
    shutdownGraceTime: '20s',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  const running = worker.run();
  process.send?.({ kind: 'ready' });
  await running;
  await connection.close();
  // The IPC channel would keep the process alive.
  process.disconnect?.();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
