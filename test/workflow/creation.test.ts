/**
 * Creating the job (workflows/creation.ts), on the time-skipping test server: the backoff between
 * failed attempts, giving up at the delivery's giveUpAt, a cancel that comes during creation, and
 * the second job a create whose answer was lost leaves (canceled as a stray: workflows/inbox.ts,
 * workflows/strayJob.ts). Minutes of workflow time pass in a second or two.
 */
import { strayJobWorkflowId } from '../../mapping/ids';
import { CREATION_BACKOFF } from '../../workflows/creation';
import { cancelSignal, carrierEventSignal, WorkflowType } from '../../workflows/messages';
import type { strayJobWorkflow } from '../../workflows/strayJob';
import {
  ActivityLog,
  carrierEvent,
  deliveryWorker,
  engineMocks,
  eventually,
  jobIdOf,
  lostJobIdOf,
  stateOf,
  startDelivery,
  useTimeSkippingEnvironment,
  vtexDeliveryInput,
  vtexMocks,
} from './fixtures';

const server = useTimeSkippingEnvironment();

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
      const now = await server.env.currentTimeMs();
      const giveUpAt = now + 5 * 60_000;
      const input = vtexDeliveryInput(now, { giveUpAt: new Date(giveUpAt).toISOString() });
      const { worker, taskQueue } = await deliveryWorker(server.env, {
        ...engineMocks(log, { jobs: () => ({ status }) }),
        ...vtexMocks(log),
      });

      const view = await worker.runUntil(async () => (await startDelivery(server.env, taskQueue, input)).result());

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
      // The refused slot is dropped: each create of the loop is on a slot searched for it.
      expect(log.of('findSlot')).toHaveLength(loop.length);

      // Given up at giveUpAt: no create is sent from then on, the delivery is canceled, flagged, and
      // VTEX told why. (A job a lost answer made is canceled when its event comes: tests below.)
      expect(log.of('createJob').filter((c) => c.scheduledAt >= giveUpAt)).toHaveLength(0);
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

describe('a second job, made by a create whose answer was lost', () => {
  it("is read at its CREATED event and canceled as a stray; the delivery goes on with its own job, the stray's later events only recorded", async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const ref = input.spec.clientReference;
    // The first POST /jobs made a job but its answer never came; the second made the delivery's.
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log, { jobs: (attempt) => (attempt === 1 ? 'lost' : 'ok') }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s'); // past the confirmation wait
      await eventually(() => (log.of('vtexUpdateService').length > 0 ? true : undefined), 'the first PATCH');
      const now = await server.env.currentTimeMs();
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CREATED', 'stray-1', now, lostJobIdOf(ref, 1)));
      await handle.signal(
        carrierEventSignal,
        carrierEvent(input, 'ALLOCATED', 'stray-2', now + 1, lostJobIdOf(ref, 1)),
      );
      await handle.signal(carrierEventSignal, carrierEvent(input, 'ALLOCATED', 'ev-1', now + 2));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CLIENT_RECEIVED', 'ev-2', now + 3));
      return handle.result();
    });

    expect(log.of('createJob')).toHaveLength(1);
    expect(log.of('getJob').map((c) => c.args[0])).toEqual([lostJobIdOf(ref, 1)]);
    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([lostJobIdOf(ref, 1)]);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false });
    expect(view.job?.jobId).toBe(jobIdOf(ref));
    // Only the delivery's own job moved it and was reported.
    const statuses = view.timeline.filter((e) => e.kind === 'status' && e.status).map((e) => e.status);
    expect(statuses).toEqual(['ASSIGNED', 'DELIVERED']);
    const patched = log.of('vtexUpdateService').map((c) => (c.args[1] as { status?: string }).status);
    expect(patched).toEqual(['PENDING', 'ASSIGNED', 'DELIVERED']);
  });

  it('whose engine record carries another reference is not touched: the delivery is flagged', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log, { otherJobs: { 'job-of-another': 'ANOTHER-DELIVERY' } }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s');
      await eventually(() => (log.of('vtexUpdateService').length > 0 ? true : undefined), 'the first PATCH');
      const now = await server.env.currentTimeMs();
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CREATED', 'other-1', now, 'job-of-another'));
      const flagged = await eventually(async () => {
        const state = await stateOf(server.env, input.serviceId);
        return state.needsAttention ? state : undefined;
      }, 'the flag');
      expect(flagged).toMatchObject({ status: 'PENDING', phase: 'active' });
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CLIENT_RECEIVED', 'ev-1', now + 1));
      return handle.result();
    });

    expect(log.of('getJob').map((c) => c.args[0])).toEqual(['job-of-another']);
    expect(log.of('cancelJob')).toHaveLength(0);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: true });
    expect(view.job?.jobId).toBe(jobIdOf(input.spec.clientReference));
  });
});

describe('a create whose answer was lost, then an engine down past giveUpAt', () => {
  it('gives up without canceling anything; the job the lost answer made is canceled by the stray-job workflow its event starts', async () => {
    const log = new ActivityLog();
    const now = await server.env.currentTimeMs();
    const giveUpAt = now + 2 * 60_000;
    const input = vtexDeliveryInput(now, { giveUpAt: new Date(giveUpAt).toISOString() });
    const ref = input.spec.clientReference;
    // The first POST /jobs made the job but its answer never came; 503s until the window closed.
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log, {
        jobs: (attempt, at) => (attempt === 1 ? 'lost' : at < giveUpAt ? { status: 503 } : 'ok'),
        otherJobs: { 'job-of-another': 'ANOTHER-DELIVERY' },
      }),
      ...vtexMocks(log),
    });

    const [view, stray, foreign] = await worker.runUntil(async () => {
      const ended = await (await startDelivery(server.env, taskQueue, input)).result();
      // The intake starts one per job its ended delivery never knew (api/deliveries.ts).
      const strayJob = (jobId: string) =>
        server.env.client.workflow.execute<typeof strayJobWorkflow>(WorkflowType.strayJob, {
          taskQueue,
          workflowId: strayJobWorkflowId(jobId),
          args: [{ serviceId: input.serviceId, jobId, eventId: `created-${jobId}`, eventType: 'CREATED' }],
        });
      return [ended, await strayJob(lostJobIdOf(ref, 1)), await strayJob('job-of-another')] as const;
    });

    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: true });
    expect(view.job).toBeUndefined();
    expect(log.of('vtexCancelService').map((c) => c.args[1])).toEqual([
      expect.objectContaining({ type: 'ERROR_CREATE_SERVICE' }),
    ]);
    expect(stray).toEqual({ outcome: 'canceled', jobId: lostJobIdOf(ref, 1) });
    expect(foreign).toEqual({ outcome: 'not-ours', jobId: 'job-of-another', clientReference: 'ANOTHER-DELIVERY' });
    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([lostJobIdOf(ref, 1)]);
  });
});

describe('a cancel during creation', () => {
  it('before any create was sent stops creation: no job is created, the delivery ends CANCELED', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log, { slots: () => 'unreachable' }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      // Slot requests keep failing (retried by the activity's policy) for a while of workflow time.
      await server.env.sleep('30s');
      await handle.signal(cancelSignal, { reason: 'customer gave up' });
      return handle.result();
    });

    expect(log.of('findSlot').length).toBeGreaterThan(1);
    expect(log.of('createJob')).toHaveLength(0);
    expect(log.of('cancelJob')).toHaveLength(0);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended', needsAttention: false });
    expect(view.job).toBeUndefined();
    expect(view.timeline.filter((e) => e.status !== undefined).map((e) => e.status)).toEqual(['CANCELED']);
    // VTEX asked for the cancel itself: it is told nothing.
    expect(log.calls.filter((c) => c.activity.startsWith('vtex'))).toHaveLength(0);
  });

  it('after a create may have reached the engine stops creating; the job that create made is canceled when its CREATED event comes', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const lost = lostJobIdOf(input.spec.clientReference, 1);
    // The first POST /jobs makes a job, and its answer is lost once the cancel and that job's
    // CREATED event were sent.
    let sent!: () => void;
    const signalsSent = new Promise<void>((resolve) => (sent = resolve));
    const { worker, taskQueue } = await deliveryWorker(server.env, {
      ...engineMocks(log, { jobs: (attempt) => (attempt === 1 ? signalsSent.then(() => 'lost' as const) : 'ok') }),
      ...vtexMocks(log),
    });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await handle.signal(cancelSignal, { reason: 'customer gave up' });
      await handle.signal(
        carrierEventSignal,
        carrierEvent(input, 'CREATED', 'ev-1', await server.env.currentTimeMs(), lost),
      );
      sent();
      return handle.result();
    });

    expect(log.of('createJobOnNewSlot')).toHaveLength(1);
    expect(log.of('createJob')).toHaveLength(0);
    expect(log.of('getJob').map((c) => c.args[0])).toEqual([lost]);
    expect(log.of('cancelJob').map((c) => c.args[0])).toEqual([lost]);
    expect(view).toMatchObject({ status: 'CANCELED', phase: 'ended' });
    expect(view.job).toBeUndefined();
    expect(view.timeline.filter((e) => e.status !== undefined).map((e) => e.status)).toEqual(['CANCELED']);
    expect(log.calls.filter((c) => c.activity.startsWith('vtex'))).toHaveLength(0);
  });
});
