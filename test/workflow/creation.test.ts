/**
 * Creating the job (workflows/creation.ts), on the time-skipping test server: the backoff between
 * failed attempts, giving up at the delivery's giveUpAt, and a cancel that comes during creation.
 * Minutes of workflow time pass in a second or two.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CREATION_BACKOFF } from '../../workflows/creation';
import { cancelSignal } from '../../workflows/messages';
import {
  ActivityLog,
  deliveryWorker,
  engineMocks,
  jobIdOf,
  startDelivery,
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

/** The waits CREATION_BACKOFF prescribes after each failed attempt, for `count` attempts. */
function backoffs(count: number): number[] {
  return Array.from({ length: count }, (_, i) =>
    Math.min(CREATION_BACKOFF.maxMs, CREATION_BACKOFF.initialMs * CREATION_BACKOFF.factor ** i),
  );
}

describe('an engine that refuses every create with a slot answer', () => {
  // 409 (the slot is taken) and 417 (the slot lapsed): both send the loop to a new slot.
  it.each([409, 417])(
    'answering %i: asked again after 1 s, doubling, at most a minute apart, until giveUpAt; then the delivery is canceled and flagged',
    async (status) => {
      const log = new ActivityLog();
      const now = await env.currentTimeMs();
      const giveUpAt = now + 5 * 60_000;
      const input = vtexDeliveryInput(now, { giveUpAt: new Date(giveUpAt).toISOString() });
      const { worker, taskQueue } = await deliveryWorker(env, {
        ...engineMocks(log, { jobs: () => ({ status }) }),
        ...vtexMocks(log),
      });

      const view = await worker.runUntil(async () => (await startDelivery(env, taskQueue, input)).result());

      // The first attempt, then the durable loop: one create right away, then one after each wait.
      const loop = log.of('createJob').filter((c) => c.scheduledAt < giveUpAt);
      const gaps = loop.slice(1).map((c, i) => c.scheduledAt - loop[i]!.scheduledAt);
      const expected = backoffs(gaps.length);
      expect(expected).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
      // Each wait is the prescribed one, never less; more only by the attempt itself (the test
      // server's clock also runs in real time while the activities run).
      gaps.forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(expected[i]!);
        expect(gap).toBeLessThan(expected[i]! + 2000);
      });
      expect(log.of('createJobOnNewSlot')).toHaveLength(1);

      // Given up at giveUpAt: one more (idempotent) create looks for a job the lost answers may have
      // made, then the delivery is canceled, flagged, and VTEX told why.
      const late = log.of('createJob').filter((c) => c.scheduledAt >= giveUpAt);
      expect(late).toHaveLength(1);
      expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: true });
      expect(view.job).toBeUndefined();
      expect(view.timeline.filter((e) => e.kind === 'status' && e.status !== undefined).map((e) => e.status)).toEqual([
        'CANCELED',
      ]);
      expect(log.of('vtexUpdateService')).toHaveLength(0);
      expect(log.of('vtexAddNotes')).toHaveLength(1);
      expect(log.of('vtexCancelService')).toHaveLength(1);
      expect(log.of('vtexCancelService')[0]!.args[1]).toMatchObject({ type: 'ERROR_CREATE_SERVICE' });
      expect(log.of('cancelJob')).toHaveLength(0);
    },
  );
});

describe('a create whose answer was lost, then an engine down past giveUpAt', () => {
  it('finds the job its lost answer made (the create is idempotent) and cancels it; the delivery ends CANCELED and flagged', async () => {
    const log = new ActivityLog();
    const now = await env.currentTimeMs();
    const giveUpAt = now + 2 * 60_000;
    const input = vtexDeliveryInput(now, { giveUpAt: new Date(giveUpAt).toISOString() });
    // The first POST /jobs made the job but its answer never came; 503s until the window closed.
    const { worker, taskQueue } = await deliveryWorker(env, {
      ...engineMocks(log, {
        jobs: (attempt, at) => (attempt === 1 ? 'unreachable' : at < giveUpAt ? { status: 503 } : 'ok'),
      }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => (await startDelivery(env, taskQueue, input)).result());

    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([jobIdOf(input.spec.clientReference)]);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: true });
    expect(view.job).toBeUndefined();
    expect(log.of('vtexCancelService').map((c) => c.args[1])).toEqual([
      expect.objectContaining({ type: 'ERROR_CREATE_SERVICE' }),
    ]);
  });
});

describe('a cancel during creation', () => {
  it('before any create was sent stops creation: no job is created, the delivery ends CANCELED', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(env, {
      ...engineMocks(log, { slots: () => 'unreachable' }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(env, taskQueue, input);
      // Slot requests keep failing (retried by the activity's policy) for a while of workflow time.
      await env.sleep('30s');
      await handle.signal(cancelSignal, { reason: 'customer gave up' });
      return handle.result();
    });

    expect(log.of('requestSlot').length).toBeGreaterThan(1);
    expect(log.of('createJob')).toHaveLength(0);
    expect(log.of('cancelJob')).toHaveLength(0);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: false });
    expect(view.job).toBeUndefined();
    expect(view.timeline.filter((e) => e.status !== undefined).map((e) => e.status)).toEqual(['CANCELED']);
    // VTEX asked for the cancel itself: it is told nothing.
    expect(log.calls.filter((c) => c.activity.startsWith('vtex'))).toHaveLength(0);
  });

  it('after a create may have reached the engine goes on creating, then cancels the job it gets', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await env.currentTimeMs());
    // The first POST /jobs gets no answer: the job may exist at the engine.
    const { worker, taskQueue } = await deliveryWorker(env, {
      ...engineMocks(log, { jobs: (attempt) => (attempt === 1 ? 'unreachable' : 'ok') }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(env, taskQueue, input);
      await handle.signal(cancelSignal, { reason: 'customer gave up' });
      return handle.result();
    });

    expect(log.of('createJob')).toHaveLength(1);
    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([jobIdOf(input.spec.clientReference)]);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended' });
    expect(view.job?.jobId).toBe(jobIdOf(input.spec.clientReference));
    expect(view.timeline.filter((e) => e.status !== undefined).map((e) => e.status)).toEqual(['CANCELED']);
    expect(log.calls.filter((c) => c.activity.startsWith('vtex'))).toHaveLength(0);
  });
});
