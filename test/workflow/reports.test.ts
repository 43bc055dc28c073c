/**
 * Reports the platform refuses for good (workflows/reporting.ts), on the time-skipping test server:
 * the delivery is flagged with the refused call, the call is kept for a re-send, and the reports
 * after it still go. A platform that never knew the delivery (404 before it took any call) gets
 * its job canceled.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { carrierEventSignal } from '../../workflows/messages';
import {
  ActivityLog,
  carrierEvent,
  deliveryWorker,
  engineMocks,
  eventually,
  jobIdOf,
  startDelivery,
  stateOf,
  timeSkippingEnvironment,
  vtexDeliveryInput,
  vtexMocks,
} from './fixtures';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(async () => {
  await env?.teardown();
});

const patchedStatuses = (log: ActivityLog) =>
  log.of('vtexUpdateService').map((c) => (c.args[1] as { status?: string }).status);

describe('a report VTEX refuses for good', () => {
  it('flags the delivery with the refused call, is not retried, and holds back none of the later reports', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await env.currentTimeMs());
    let patches = 0;
    const { worker, taskQueue } = await deliveryWorker(env, {
      ...engineMocks(log),
      // The first PATCH answers 400 (our bug, no retry helps); the later ones are taken.
      ...vtexMocks(log, (activity) => (activity === 'vtexUpdateService' && ++patches === 1 ? 400 : undefined)),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(env, taskQueue, input);
      await env.sleep('10s'); // past the confirmation wait
      const flagged = await eventually(async () => {
        const state = await stateOf(env, input.serviceId);
        return state.needsAttention ? state : undefined;
      }, 'the flag');
      expect(flagged).toMatchObject({ status: 'PENDING', phase: 'active', refusedReports: 1, pendingReports: 0 });
      expect(flagged.failedReports.map((f) => f.call)).toEqual(['PATCH status PENDING']);
      expect(flagged.timeline.filter((e) => e.kind === 'error')).toHaveLength(1);

      const now = await env.currentTimeMs();
      await handle.signal(carrierEventSignal, carrierEvent(input, 'ALLOCATED', 'ev-1', now));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CLIENT_RECEIVED', 'ev-2', now + 1));
      return handle.result();
    });

    expect(patchedStatuses(log)).toEqual(['PENDING', 'ASSIGNED', 'DELIVERED']);
    // The flag stays for an operator (resend-refused), whatever came after.
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: true, refusedReports: 1 });
    expect(view.failedReports).toHaveLength(1);
    const reported = view.timeline.filter((e) => e.kind === 'report');
    expect(reported).toHaveLength(2);
  });

  it('a 404 before VTEX took any call: the platform never knew the delivery, so its job is canceled', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(env, {
      ...engineMocks(log),
      ...vtexMocks(log, (activity) => (activity === 'vtexUpdateService' ? 404 : undefined)),
    });

    const view = await worker.runUntil(async () => (await startDelivery(env, taskQueue, input)).result());

    expect(log.of('vtexUpdateService')).toHaveLength(1);
    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([jobIdOf(input.spec.clientReference)]);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: true, refusedReports: 1 });
    expect(view.timeline.filter((e) => e.status !== undefined).map((e) => e.status)).toEqual(['CANCELED']);
  });
});
