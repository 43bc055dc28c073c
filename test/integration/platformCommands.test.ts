/**
 * The platform's side: VTEX pauses, resumes and cancels through our intake; operators read and
 * change deliveries through GET /deliveries and the `npm run delivery` command line.
 */
import { testTemporalClient } from '../support/temporal';
import { runDeliveryCli } from '../../scripts/delivery';
import { recordHistory } from '../support/histories';
import {
  createServiceBody,
  createVtexDelivery,
  emit,
  finalView,
  stateOf,
  vtexCallsOf,
  vtexLog,
  withDriver,
} from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { vtexServiceId } from '../../mapping/ids';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('VTEX Pause service', () => {
  it('holds the job while paused, still reports carrier events, and releases it on pause: false', async () => {
    const d = await createVtexDelivery(stack);
    const paused = await stack.vtex.pauseService(d.serviceId, true, 'Client travelling', d.carrierId);
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({
      message: 'Service executed successfully',
      data: { serviceId: d.serviceId, carrierId: d.carrierId, pause: true, reason: 'Client travelling' },
    });
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'EXIT_STORE', { what: 'the job on hold' });
    expect((await stateOf(stack, d.serviceId)).paused).toBe(true);

    await emit(stack, d.jobId, 'ALLOCATED');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'ASSIGNED', {
      what: 'ASSIGNED while paused',
    });

    const resumed = await stack.vtex.pauseService(d.serviceId, false, 'Client back', d.carrierId);
    expect(resumed.status).toBe(200);
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'UNBLOCKED', { what: 'the job released' });
    await waitFor(async () => (await stateOf(stack, d.serviceId)).paused === false, { what: 'the workflow resumed' });
    // Instaleap's hold: the job's payment as created, its blocking_policy EXIT_STORE, then UNBLOCKED.
    const updates = stack.engine.calls({ method: 'PUT', path: `/jobs/${d.jobId}/payment_info` });
    expect(updates.map((c) => (c.body as { payment: { blocking_policy: string } }).payment.blocking_policy)).toEqual([
      'EXIT_STORE',
      'UNBLOCKED',
    ]);
    const created = stack.engine.job(d.jobId)!.payment_info.payment;
    expect(updates[0]!.body).toEqual({ payment: { ...created, blocking_policy: 'EXIT_STORE' } });
    expect(stack.engine.calls({ path: '/hold' })).toEqual([]);
    await recordHistory(stack.bridge.client, d.serviceId, 'paused-and-resumed', { waitForEnd: false });
  });

  it('answers 404 for a service it does not know, or for another carrier', async () => {
    const unknown = await stack.call('POST', '/vtex/services/pause', {
      serviceId: 'vtex-NOPE-aaaaaaaaaa',
      carrierId: 'x',
      pause: true,
      reason: 'r',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.details[0].path).toBe('serviceId');
    const d = await createVtexDelivery(stack, { waitFirstReport: false });
    expect(
      (
        await stack.call('POST', '/vtex/services/pause', {
          serviceId: d.serviceId,
          carrierId: 'someone-else',
          pause: true,
          reason: 'r',
        })
      ).status,
    ).toBe(404);
    // VTEX's OpenAPI leaves `pause` optional: a body without it pauses (docs/partners.md).
    expect(
      (
        await stack.call('POST', '/vtex/services/pause', {
          serviceId: d.serviceId,
          carrierId: d.carrierId,
          reason: 'no pause field',
        })
      ).status,
    ).toBe(200);
  });
});

describe('VTEX Cancel service', () => {
  it('cancels the job at each stage (pending, assigned, on route) and ends the delivery CANCELED without calling VTEX back', async () => {
    const stages: Array<string[]> = [
      [],
      ['ALLOCATED'],
      ['ALLOCATED', 'PICKING_FINISHED', 'GOING_TO_DESTINATION_STARTED'],
    ];
    const deliveries = await Promise.all(stages.map(() => createVtexDelivery(stack)));
    await Promise.all(
      stages.map(async (types, i) => {
        const d = deliveries[i]!;
        for (const type of types) await emit(stack, d.jobId, type);
        const answer = await stack.vtex.cancelService(d.serviceId, 'Client changed their mind', d.carrierId);
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({
          message: 'Service executed successfully',
          data: { serviceId: d.serviceId, carrierId: d.carrierId },
        });
        expect((await finalView(stack, d.serviceId)).status).toBe('CANCELED');
        expect(stack.engine.job(d.jobId)?.state).toBe('CANCELLED');
        // VTEX asked for it: no cancel hook back, and the engine's CANCELLED echo changes nothing.
        expect(vtexLog(stack, d.serviceId).some((line) => line === 'POST cancel')).toBe(false);
      }),
    );
  });

  it('refuses a cancel once the delivery was delivered, with a clear answer', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    await finalView(stack, d.serviceId);
    const answer = await stack.vtex.cancelService(d.serviceId, 'Too late', d.carrierId);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      error: 'The service was already delivered: it cannot be canceled',
      details: [{ path: 'serviceId', message: 'status is DELIVERED' }],
    });
    expect(stack.engine.job(d.jobId)?.state).toBe('CLIENT_RECEIVED');
  });

  it('cancels a job that is still being created as soon as it exists', async () => {
    // POST /jobs takes 3 s: longer than the first attempt's 2 s and than the Create answer's
    // deadline, so VTEX's cancel arrives while the job is being created.
    stack.engine.setFaults({ latencyMs: 3000, pathPattern: '^/jobs$' });
    try {
      const body = createServiceBody();
      const created = await stack.vtex.createService(body);
      expect(created.status).toBe(200);
      const serviceId = (created.body as { serviceId: string; metaData: Record<string, unknown> }).serviceId;
      expect((created.body as { metaData: Record<string, unknown> }).metaData.jobId).toBeUndefined();
      const canceled = await stack.vtex.cancelService(serviceId, 'Ordered by mistake', body.carrierId);
      expect(canceled.status).toBe(200);
      const view = await finalView(stack, serviceId, 40_000);
      expect(view.status).toBe('CANCELED');
      // Every job the slow creates made ends canceled: the delivery's own, and any second one (a
      // create whose answer was lost) as a stray once its CREATED came.
      const reference = vtexServiceId(body.carrierId, body.orderId);
      const jobs = await waitFor(
        () => {
          const all = stack.engine.jobsByClientReference(reference);
          return all.length > 0 && all.every((j) => j.state === 'CANCELLED') ? all : undefined;
        },
        { what: 'every job of the delivery canceled', timeoutMs: 20_000 },
      );
      expect(jobs.length).toBeGreaterThanOrEqual(1);
      await recordHistory(stack.bridge.client, serviceId, 'canceled-during-creation');
    } finally {
      stack.engine.resetFaults();
    }
  });
});

describe('VTEX Cancel service while the job is being created, after carrier events', () => {
  it('handles the events that came before the cancel first: the record keeps the order things happened in', async () => {
    // The engine creates the job but its answer is lost, again and again: the job exists (and its
    // driver is allocated) while the workflow is still learning it; then VTEX cancels.
    stack.engine.setFaults({ lostAnswerRate: 1, pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    try {
      expect((await stack.vtex.createService(body)).status).toBe(200);
      const job = await waitFor(() => stack.engine.jobsByClientReference(serviceId)[0], {
        what: 'the job at the engine',
      });
      await emit(stack, job.id, 'ALLOCATED', withDriver({ id: 'r-1', name: 'Ana' }));
      expect((await stack.vtex.cancelService(serviceId, 'Ordered by mistake', body.carrierId)).status).toBe(200);
    } finally {
      stack.engine.resetFaults();
    }
    const view = await finalView(stack, serviceId, 60_000);
    expect(view.status).toBe('CANCELED');
    const lines = view.timeline.map((l) => l.message);
    const assigned = lines.indexOf('PENDING -> ASSIGNED: carrier event ALLOCATED');
    expect(assigned).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => l.startsWith('ASSIGNED -> CANCELED: canceled by the platform'))).toBeGreaterThan(
      assigned,
    );
    expect(stack.engine.jobsByClientReference(serviceId)[0]?.state).toBe('CANCELLED');
    // VTEX canceled it: the ASSIGNED that waited for the confirmation is moot and not sent over it.
    expect(vtexCallsOf(stack, serviceId).filter((c) => c.method === 'PATCH' && c.status === 200)).toEqual([]);
    await recordHistory(stack.bridge.client, serviceId, 'canceled-after-events-during-creation');
  });
});

describe('VTEX Cancel service before any job could be created', () => {
  it('stops creation at once and ends CANCELED, with no job at the engine', async () => {
    // The engine gives no slot: nothing was ever sent to POST /jobs.
    stack.engine.setFaults({ errorRate: 1, pathPattern: '^/jobs/availability/v2$' });
    try {
      const body = createServiceBody();
      const created = await stack.vtex.createService(body);
      expect(created.status).toBe(200);
      const serviceId = (created.body as { serviceId: string }).serviceId;
      const canceled = await stack.vtex.cancelService(serviceId, 'Client gave up waiting', body.carrierId);
      expect(canceled.status).toBe(200);
      const view = await finalView(stack, serviceId, 20_000);
      expect(view.status).toBe('CANCELED');
      const creates = stack.engine
        .calls({ method: 'POST', path: '^/jobs$' })
        .filter(
          (c) =>
            (c.body as { client_reference?: string } | null)?.client_reference ===
            vtexServiceId(body.carrierId, body.orderId),
        );
      expect(creates).toEqual([]);
      expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();
      // VTEX asked for it: nothing is reported back.
      expect(stack.vtex.calls({ path: serviceId })).toEqual([]);
      await recordHistory(stack.bridge.client, serviceId, 'canceled-before-any-job');
    } finally {
      stack.engine.resetFaults();
    }
  });
});

describe('operators', () => {
  it('read a delivery from its workflow with GET /deliveries/:serviceId, 404 when unknown, 401 without token', async () => {
    const d = await createVtexDelivery(stack);
    const response = await stack.call('GET', `/deliveries/${d.serviceId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      serviceId: d.serviceId,
      status: 'PENDING',
      phase: 'active',
      job: { jobId: d.jobId },
      workflowStatus: 'RUNNING',
    });
    expect(response.body.timeline.length).toBeGreaterThan(0);
    expect((await stack.call('GET', '/deliveries/vtex-unknown-aaaaaaaaaa')).status).toBe(404);
    expect((await stack.call('GET', `/deliveries/${d.serviceId}`, undefined, { authorization: '' })).status).toBe(401);
  });

  it('pause, resume, inject an event and cancel with `npm run delivery`, seeing the state after each', async () => {
    const d = await createVtexDelivery(stack);
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const connect = () => testTemporalClient();
      const code = await runDeliveryCli(argv, connect, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const status = await run('status', d.serviceId);
    expect(status).toMatchObject({ code: 0, out: expect.stringContaining(`${d.serviceId}  PENDING`) });
    expect((await run('pause', d.serviceId, '--reason', 'Checking the address')).out).toContain('(paused)');
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'EXIT_STORE', { what: 'hold' });
    expect((await run('resume', d.serviceId)).code).toBe(0);
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'UNBLOCKED', { what: 'release' });
    const injected = await run('event', d.serviceId, 'ALLOCATED', '--driver', 'op-1:Operator Driver');
    expect(injected.code).toBe(0);
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.agent?.name === 'Operator Driver', {
      what: 'the injected driver at VTEX',
    });
    expect((await run('cancel', d.serviceId, '--reason', 'Duplicate order')).code).toBe(0);
    expect((await finalView(stack, d.serviceId)).status).toBe('CANCELED');

    const unknown = await run('status', 'vtex-nobody-aaaaaaaaaa');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('No delivery vtex-nobody-aaaaaaaaaa');
    expect((await run('frobnicate')).code).not.toBe(0);
    const help = await run('--help');
    expect(help.out).toMatch(/status[\s\S]*pause[\s\S]*resume[\s\S]*cancel[\s\S]*event/);
  });
});
