/**
 * Registers the delivery workflows' search attributes in a namespace, on the dev server or on a
 * real cluster alike, and on a cluster the namespace itself (a dev server creates its own), and
 * the drift-repair Schedule of a task queue. Safe to run at every start: only what is missing is
 * added, and the Schedule takes the interval of the configuration.
 */
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { parseEnv } from '../config';
import { DELIVERY_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { WorkflowType } from '../workflows/messages';

/** gRPC status codes of the answers we expect (google.rpc.Code). */
const grpcStatus = { NOT_FOUND: 5, ALREADY_EXISTS: 6 } as const;

/** Registers the namespace when missing (true) with the given retention; a fresh cluster has only its system namespace. */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  retentionDays: number,
): Promise<boolean> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
    });
  } catch (err) {
    if ((err as { code?: number }).code === grpcStatus.ALREADY_EXISTS) return false;
    throw err;
  }
  // The frontend learns of a new namespace on its next namespace-cache refresh (every few seconds).
  for (let i = 0; ; i += 1) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return true;
    } catch (err) {
      if (i >= 150 || (err as { code?: number }).code !== grpcStatus.NOT_FOUND) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = DELIVERY_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
    ),
  });
  // Visibility picks new attributes up asynchronously; wait until listed so the first workflow can use them.
  for (let i = 0; i < 50; i += 1) {
    const now = await connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((key) => key.name in (now.customAttributes ?? {}))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return missing.map((key) => key.name);
}

/** The reconcile Schedule of a task queue: one per bridge (its worker runs the reconcile workflow). */
export function reconcileScheduleId(taskQueue: string): string {
  return `reconcile-${taskQueue}`;
}

/**
 * The drift-repair Schedule (docs/runbook.md "Operators"): every `intervalMs`, a reconcile workflow on
 * `taskQueue` (workflows/reconcile.ts). A run still going when the next is due makes that one
 * skip; a start missed while Temporal was down is caught up once within a minute, else skipped.
 * Created when missing, else brought to this interval. No workflow arguments and no memo: nothing
 * for the codec to encrypt, so the production setup step needs no key ring.
 */
export async function ensureReconcileSchedule(
  client: Client,
  options: { taskQueue: string; intervalMs: number },
): Promise<'created' | 'updated'> {
  const scheduleId = reconcileScheduleId(options.taskQueue);
  const spec = { intervals: [{ every: options.intervalMs }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: WorkflowType.reconcile,
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [],
    // A run that cannot finish (no worker, Temporal overloaded) does not hold back the next ones.
    workflowExecutionTimeout: Math.max(options.intervalMs * 3, 15 * 60_000),
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  return 'updated';
}

/** `node dist/scripts/temporal-setup.js`: registers the attributes on TEMPORAL_ADDRESS (docker-compose). */
if (require.main === module) {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  (async () => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2000 });
        if (await ensureNamespace(connection, namespace, Number(process.env.TEMPORAL_NAMESPACE_RETENTION_DAYS ?? 7)))
          console.log(`namespace ${namespace} registered`);
        const added = await ensureSearchAttributes(connection, namespace);
        console.log(`search attributes ready in ${namespace}${added.length ? ` (added ${added.join(', ')})` : ''}`);
        // The service's own task queue and interval. The Schedule carries no payload, so no key ring is needed.
        const env = parseEnv();
        const client = new Client({ connection, namespace });
        const schedule = await ensureReconcileSchedule(client, {
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          intervalMs: env.RECONCILE_INTERVAL,
        });
        console.log(
          `drift-repair schedule ${reconcileScheduleId(env.TEMPORAL_TASK_QUEUE)} ${schedule} (every ${env.RECONCILE_INTERVAL / 1000} s)`,
        );
        await connection.close();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        console.log(`waiting for Temporal at ${address}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
