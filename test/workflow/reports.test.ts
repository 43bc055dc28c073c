/**
 * Reports the platform refuses for good (workflows/reporting.ts), on the time-skipping test server:
 * the delivery is flagged with the refused call, the call is kept, and the reports after it still
 * go. The delivery stays open until an operator dismisses the refused call (clear-flag) or sends it
 * again (resend-refused, workflows/operator.ts); nothing is canceled on its own.
 */
import { failureFor } from '../../activities/failures';
import { cancelSignal, carrierEventSignal, operatorSignal } from '../../workflows/messages';
import {
  ActivityLog,
  carrierEvent,
  deliveryWorker,
  engineMocks,
  eventually,
  startDelivery,
  stateOf,
  useTimeSkippingEnvironment,
  vtexDeliveryInput,
  vtexMocks,
} from './fixtures';

const server = useTimeSkippingEnvironment();

const patchedStatuses = (log: ActivityLog) =>
  log.of('vtexUpdateService').map((c) => (c.args[1] as { status?: string }).status);

describe('a report VTEX refuses for good', () => {
  it('flags the delivery with the refused call, is not retried, holds back no later report, and keeps the delivery open until an operator clears the flag', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    let patches = 0;
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log),
      // The first PATCH answers 400 (our bug, no retry helps); the later ones are taken.
      ...vtexMocks(log, (activity) => (activity === 'vtexUpdateService' && ++patches === 1 ? 400 : undefined)),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s'); // past the confirmation wait
      const flagged = await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.needsAttention ? state : undefined;
      }, 'the flag');
      expect(flagged).toMatchObject({ status: 'PENDING', phase: 'active', refusedReports: 1, pendingReports: 0 });
      expect(flagged.failedReports.map((f) => f.call)).toEqual(['PATCH status PENDING']);
      expect(flagged.timeline.filter((e) => e.kind === 'error')).toHaveLength(1);

      const now = await server.env.currentTimeMs();
      await handle.signal(carrierEventSignal, carrierEvent(input, 'ALLOCATED', 'ev-1', now));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CLIENT_RECEIVED', 'ev-2', now + 1));
      const delivered = await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.status === 'DELIVERED' && state.pendingReports === 0 ? state : undefined;
      }, 'DELIVERED reported');
      // Ended for the carrier, still open for the operator: the refused call waits for a decision.
      expect(delivered).toMatchObject({ phase: 'active', needsAttention: true, refusedReports: 1 });

      await handle.signal(operatorSignal, { action: 'clear-flag', by: 'ops', why: 'VTEX fixed by hand' });
      return handle.result();
    });

    expect(patchedStatuses(log)).toEqual(['PENDING', 'ASSIGNED', 'DELIVERED']);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false, refusedReports: 0 });
    // The refused PATCH is not among the reports taken; the labels of the first report went all the same.
    expect(view.timeline.filter((e) => e.kind === 'report').map((e) => e.message)).toEqual([
      'POST labels of 1 package(s)',
      'PATCH status ASSIGNED',
      'PATCH status DELIVERED',
    ]);
    expect(log.of('vtexPostPackageLabels')).toHaveLength(1);
    expect(view.timeline.filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('a 404 (VTEX never knew the service) is kept and flagged like any refusal, the job left alone; resend-refused sends it again', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    let patches = 0;
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log),
      ...vtexMocks(log, (activity) => (activity === 'vtexUpdateService' && ++patches === 1 ? 404 : undefined)),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s');
      await eventually(
        async () => ((await stateOf(server.env, input.serviceId)).needsAttention ? true : undefined),
        'the flag',
      );
      expect(log.of('cancelJob')).toHaveLength(0);

      await handle.signal(operatorSignal, { action: 'resend-refused', by: 'ops', why: 'VTEX indexed it' });
      const resent = await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.refusedReports === 0 && state.pendingReports === 0 && log.of('vtexUpdateService').length === 2
          ? state
          : undefined;
      }, 'the PATCH sent again');
      expect(resent).toMatchObject({ status: 'PENDING', phase: 'active', needsAttention: false });

      await handle.signal(cancelSignal, { reason: 'customer gave up' });
      return handle.result();
    });

    expect(patchedStatuses(log)).toEqual(['PENDING', 'PENDING']);
    expect(log.of('cancelJob')).toHaveLength(1);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: false, refusedReports: 0 });
  });

  it('resend-refused does not move VTEX back: a status a later one overtook goes again without its status, the fields it carried still go', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const mocks = vtexMocks(log);
    let refusedOnce = false;
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log),
      ...mocks,
      // VTEX refuses the first ASSIGNED PATCH for good (400) and takes every other call.
      vtexUpdateService: async (...args) => {
        if (args[1].status === 'ASSIGNED' && !refusedOnce) {
          refusedOnce = true;
          log.record('vtexUpdateService', args);
          throw failureFor({
            system: 'VTEX',
            method: 'PATCH',
            path: '/tracking',
            status: 400,
            body: { message: 'scripted' },
          });
        }
        return mocks.vtexUpdateService!(...args);
      },
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s');
      const now = await server.env.currentTimeMs();
      const allocated = carrierEvent(input, 'ALLOCATED', 'ev-1', now);
      allocated.job.tasks = [{ id: 'task-1', resource: { id: 'r-1', name: 'Ana' } }];
      await handle.signal(carrierEventSignal, allocated);
      await handle.signal(carrierEventSignal, carrierEvent(input, 'PICKING_FINISHED', 'ev-2', now + 1));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'GOING_TO_DESTINATION_STARTED', 'ev-3', now + 2));
      const refused = await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.status === 'ON_ROUTE' && state.pendingReports === 0 ? state : undefined;
      }, 'ON_ROUTE reported');
      expect(refused).toMatchObject({ needsAttention: true, refusedReports: 1 });

      await handle.signal(operatorSignal, { action: 'resend-refused', by: 'ops', why: 'VTEX fixed the cause' });
      await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.refusedReports === 0 && state.pendingReports === 0 && !state.needsAttention ? state : undefined;
      }, 'the resend done');
      await handle.signal(cancelSignal, { reason: 'test over' });
      return handle.result();
    });

    const patches = log.of('vtexUpdateService').map((c) => c.args[1] as { status?: string; agent?: unknown });
    // Not ASSIGNED again after ON_ROUTE: VTEX's last status is the delivery's.
    expect(patches.map((p) => p.status)).toEqual(['PENDING', 'ASSIGNED', 'PICKED', 'ON_ROUTE', undefined]);
    expect(patches.at(-1)?.agent).toMatchObject({ id: 'r-1', name: 'Ana' });
    expect(view.timeline.some((e) => /not sent again as a status/.test(e.message))).toBe(true);
  });
});
