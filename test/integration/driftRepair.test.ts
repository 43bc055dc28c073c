/**
 * Drift repair (docs/runbook.md "Operators"): the reconcile Schedule, and a run of it that finds what VTEX
 * lost behind our back, has the delivery repair it, counts it, and leaves correct deliveries alone.
 * Through the real stack, the VTEX sandbox and the dev server.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ReconcileResult } from '../../contracts/operations';
import { runDeliveryCli } from '../../scripts/delivery';
import { ensureReconcileSchedule, reconcileScheduleId } from '../../scripts/temporal-setup';
import { abbiamoServiceId } from '../../mapping/ids';
import { createVtexDelivery, emit, forceStatus, stateOf, withDriver } from '../support/deliveries';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { scrape } from '../support/prometheus';
import { startTestStack, type TestStack } from '../support/stack';
import { testTemporalClient } from '../support/temporal';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.bridge.client.schedule
    .getHandle(reconcileScheduleId(stack.config.temporal.taskQueue))
    .delete()
    .catch(() => undefined);
  await stack?.stop();
});

const taskQueue = () => stack.config.temporal.taskQueue;

/** Runs the Schedule now (as `npm run delivery -- reconcile --wait` does) and returns what the run did. */
async function reconcileNow(): Promise<{ result: ReconcileResult; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeliveryCli(['reconcile', '--task-queue', taskQueue(), '--wait'], () => testTemporalClient(), {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  if (code !== 0) throw new Error(`reconcile exited ${code}: ${err.join('\n')}`);
  const { info } = await stack.bridge.client.schedule.getHandle(reconcileScheduleId(taskQueue())).describe();
  const last = info.recentActions.at(-1)!.action.workflow.workflowId;
  return {
    result: (await stack.bridge.client.workflow.getHandle(last).result()) as ReconcileResult,
    out: out.join('\n'),
  };
}

/** Until the delivery has nothing on its way to VTEX. */
async function settled(serviceId: string) {
  await waitFor(async () => (await stateOf(stack, serviceId)).pendingReports === 0, { what: `${serviceId} settled` });
}

describe('the reconcile Schedule', () => {
  it('is created with the interval, starts the reconcile workflow on the bridge task queue, and takes a new interval', async () => {
    const client = stack.bridge.client;
    expect(await ensureReconcileSchedule(client, { taskQueue: taskQueue(), intervalMs: 3_600_000 })).toBe('created');
    const handle = client.schedule.getHandle(reconcileScheduleId(taskQueue()));
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([{ every: 3_600_000 }]);
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'reconcileWorkflow',
      taskQueue: taskQueue(),
    });
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

    expect(await ensureReconcileSchedule(client, { taskQueue: taskQueue(), intervalMs: 7_200_000 })).toBe('updated');
    expect((await handle.describe()).spec.intervals).toEqual([{ every: 7_200_000 }]);
  });
});

describe('the production setup step', () => {
  it('creates the Schedule of TEMPORAL_TASK_QUEUE every RECONCILE_INTERVAL (scripts/temporal-setup.ts, as docker-compose runs it)', async () => {
    const queue = `setup-${randomUUID()}`;
    const root = path.join(__dirname, '../..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts/temporal-setup.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
          TEMPORAL_TASK_QUEUE: queue,
          RECONCILE_INTERVAL: '2m',
        },
        timeout: 60_000,
      },
    );
    expect(stdout).toContain(`drift-repair schedule reconcile-${queue} created (every 120 s)`);
    const handle = stack.bridge.client.schedule.getHandle(reconcileScheduleId(queue));
    try {
      const described = await handle.describe();
      expect(described.spec.intervals).toEqual([{ every: 120_000 }]);
      expect(described.action).toMatchObject({ workflowType: 'reconcileWorkflow', taskQueue: queue });
    } finally {
      await handle.delete();
    }
  });
});

describe('drift repair', () => {
  beforeAll(async () => {
    await ensureReconcileSchedule(stack.bridge.client, { taskQueue: taskQueue(), intervalMs: 3_600_000 });
  });

  it('finds a status VTEX set back, its driver and notes deleted, has the delivery repair them, and leaves a correct one alone', async () => {
    const drifting = await createVtexDelivery(stack);
    const correct = await createVtexDelivery(stack);
    await emit(stack, drifting.jobId, 'ALLOCATED', withDriver({ id: 'r-9', name: 'Ana' }));
    // Two ERROR notes: the carrier's staff report an incident (force-status), then Instaleap's REFUSED.
    await forceStatus(stack, drifting.serviceId, 'INCIDENT', 'Recipient asked for the back door');
    await waitFor(() => stack.vtex.service(drifting.carrierId, drifting.serviceId)?.notes.length === 1, {
      what: 'the incident note at VTEX',
    });
    await emit(stack, drifting.jobId, 'REFUSED', withDriver({ id: 'r-9', name: 'Ana' }));
    await emit(stack, correct.jobId, 'ALLOCATED', withDriver({ id: 'r-10', name: 'Bo' }));
    await waitFor(() => stack.vtex.service(drifting.carrierId, drifting.serviceId)?.notes.length === 2, {
      what: 'both notes at VTEX',
    });
    await waitFor(() => stack.vtex.service(correct.carrierId, correct.serviceId)?.status === 'ASSIGNED', {
      what: 'the correct one ASSIGNED at VTEX',
    });
    await Promise.all([settled(drifting.serviceId), settled(correct.serviceId)]);

    // Someone at VTEX rolls the record back.
    stack.vtex.amendService(drifting.carrierId, drifting.serviceId, { status: 'PENDING', dropNotes: 2, agent: null });

    const counted = (outcome: string) =>
      scrape(stack.bridge.workerMetricsUrl).then((m) =>
        m.sum('delivery_bridge_reconcile_deliveries_total', { platform: 'vtex', outcome }),
      );
    const [driftedBefore, comparedBefore] = [await counted('drifted'), await counted('compared')];
    const { result, out } = await reconcileNow();
    expect(result.compared).toBeGreaterThanOrEqual(2);
    expect(result.drifts).toEqual([
      {
        serviceId: drifting.serviceId,
        platform: 'vtex',
        drift: [
          'status: VTEX shows PENDING, the delivery is INCIDENT',
          'driver: VTEX shows none, the delivery has r-9',
          'notes: VTEX holds 0, the delivery sent 2',
        ],
      },
    ]);
    expect(result).toMatchObject({ drifted: 1, repaired: 1, conflicts: 0 });
    expect(out).toContain(`${drifting.serviceId}: status: VTEX shows PENDING, the delivery is INCIDENT`);
    // Counted in the worker's metrics too.
    expect((await counted('drifted')) - driftedBefore).toBe(1);
    expect((await counted('compared')) - comparedBefore).toBe(result.compared);

    const repaired = await waitFor(
      () => {
        const r = stack.vtex.service(drifting.carrierId, drifting.serviceId);
        return r?.status === 'INCIDENT' && r.notes.length === 2 && r.agent?.id === 'r-9' ? r : undefined;
      },
      { what: 'the repaired record at VTEX' },
    );
    expect(repaired.notes.map((n) => n.content)).toEqual([
      expect.stringContaining('Recipient asked for the back door'),
      expect.stringContaining('Delivery refused'),
    ]);
    const view = await stateOf(stack, drifting.serviceId);
    expect(view.timeline.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/^operator reconciler repairs the platform's record \(status: VTEX shows PENDING/),
    );
    // The correct delivery was compared and left alone.
    // Its PATCHes: the first report, CREATED's tracking page, ALLOCATED; no repair.
    expect(stack.vtex.calls({ path: correct.serviceId }).filter((c) => c.method === 'PATCH')).toHaveLength(3);

    // Repaired, it is no longer drift: the next run finds none.
    await settled(drifting.serviceId);
    const again = await reconcileNow();
    expect(again.result.drifts).toEqual([]);
    expect(again.result.compared).toBeGreaterThanOrEqual(2);
  });

  it('does not call a delivery drifted while VTEX paused it, nor compare one whose reports are in flight', async () => {
    const paused = await createVtexDelivery(stack);
    await settled(paused.serviceId);
    expect((await stack.vtex.pauseService(paused.serviceId, true, 'Client travelling', paused.carrierId)).status).toBe(
      200,
    );
    await waitFor(async () => (await stateOf(stack, paused.serviceId)).paused, { what: 'paused' });
    expect(stack.vtex.service(paused.carrierId, paused.serviceId)?.status).toBe('ON_HOLD');
    // VTEX refuses every PATCH of the next one: its report stays in flight (retried), so it is skipped.
    const inFlight = await createVtexDelivery(stack);
    await settled(inFlight.serviceId);
    stack.vtex.setFaults({
      errorRate: 1,
      errorStatuses: [503],
      pathPattern: `^/tracking/hook/[^/]+/${inFlight.serviceId}$`,
    });
    try {
      await emit(stack, inFlight.jobId, 'ALLOCATED', withDriver({ id: 'r-11', name: 'Cy' }));
      await waitFor(async () => (await stateOf(stack, inFlight.serviceId)).pendingReports > 0, { what: 'in flight' });
      const { result } = await reconcileNow();
      expect(result.drifts.map((d) => d.serviceId)).not.toContain(paused.serviceId);
      expect(result.drifts.map((d) => d.serviceId)).not.toContain(inFlight.serviceId);
      expect(result.skipped).toBeGreaterThanOrEqual(1);
    } finally {
      stack.vtex.resetFaults();
    }
  });

  it('reads Abbiamo too: a delivery it shows unconfirmed behind our back is found and sent a repair', async () => {
    const event = fresh(seedDeliveryRequest());
    const deliveryId = event.deliveries[0].delivery_id as string;
    const serviceId = abbiamoServiceId(deliveryId);
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    await waitFor(() => stack.abbiamo.delivery(deliveryId)?.status === 'DISPATCHED', {
      what: 'confirmed at Abbiamo',
    });
    await settled(serviceId);

    stack.abbiamo.amendDelivery(deliveryId, { status: 'PENDING' });
    const { result } = await reconcileNow();
    expect(result.drifts).toContainEqual({
      serviceId,
      platform: 'marketplace',
      drift: ['status: Abbiamo shows PENDING, the delivery is PENDING'],
    });
    await waitFor(
      async () =>
        (await stateOf(stack, serviceId)).timeline.some((l) =>
          /^operator reconciler repairs the platform's record \(status: Abbiamo shows PENDING/.test(l.message),
        ),
      { what: 'the repair in the timeline' },
    );
    // The repair is dated after every event Abbiamo took, so Abbiamo takes it: confirmed again,
    // and the next run finds nothing to repair.
    await waitFor(() => stack.abbiamo.delivery(deliveryId)?.status === 'DISPATCHED', {
      what: 'confirmed again at Abbiamo',
    });
    await settled(serviceId);
    const again = await reconcileNow();
    expect(again.result.drifts.filter((d: { serviceId: string }) => d.serviceId === serviceId)).toEqual([]);
  });
});
