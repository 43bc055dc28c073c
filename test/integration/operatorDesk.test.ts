/**
 * Operators find, understand and fix deliveries (docs/runbook.md "Operators"): the attention list, one
 * command to one delivery, and bulk cancel / pause / resume as Temporal batch operations, over
 * the /operator routes and `npm run delivery`, through the real stack and dev server.
 */
import { runDeliveryCli } from '../../scripts/delivery';
import { operatorIdentity } from '../../api/routes/operatorCommands';
import { testTemporalClient } from '../support/temporal';
import { createServiceBody, createVtexDelivery, finalView, stateOf } from '../support/deliveries';
import { startTestStack, TEST_INTAKE_TOKEN, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeliveryCli(argv, () => testTemporalClient(), {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A query that finds only this test's deliveries (other test files share the dev server). */
function ours(orderIds: string[]): string {
  return `TaskQueue = "${stack.config.temporal.taskQueue}" AND OrderId IN (${orderIds.map((o) => `"${o}"`).join(', ')})`;
}

async function followBatch(jobId: string) {
  return waitFor(
    async () => {
      const answer = await stack.call('GET', `/operator/bulk/${jobId}`);
      return answer.body.state === 'RUNNING' ? undefined : answer;
    },
    { what: `batch job ${jobId} to end`, timeoutMs: 30_000, intervalMs: 250 },
  );
}

/** Until visibility lists every one of `orderIds` as an open delivery (it lags a moment behind starts). */
async function visible(orderIds: string[]) {
  const client = stack.bridge.client;
  await waitFor(
    async () =>
      (await client.workflow.count(`${ours(orderIds)} AND ExecutionStatus = "Running"`)).count === orderIds.length,
    {
      what: 'the deliveries in visibility',
    },
  );
}

describe('the attention list', () => {
  it('lists a flagged delivery with its reason read from the encrypted memo, and a stuck one by its last progress', async () => {
    const flagged = await createVtexDelivery(stack, { body: createServiceBody({ paymentMethod: 'BARTER' }) });
    const quiet = await createVtexDelivery(stack);

    const flaggedOnly = await waitFor(
      async () => {
        const answer = await stack.call('GET', '/operator/deliveries?flagged=true&limit=1000');
        return answer.body.deliveries?.some((d: { serviceId: string }) => d.serviceId === flagged.serviceId) && answer;
      },
      { what: 'the flagged delivery listed' },
    );
    expect(flaggedOnly.status).toBe(200);
    const item = flaggedOnly.body.deliveries.find((d: { serviceId: string }) => d.serviceId === flagged.serviceId);
    expect(item).toMatchObject({
      orderId: flagged.orderId,
      platform: 'vtex',
      needsAttention: true,
      lastError: expect.stringContaining('Unknown VTEX paymentMethod "BARTER"'),
      reason: expect.stringContaining('flagged: Unknown VTEX paymentMethod "BARTER"'),
    });
    // Flagged only: the quiet delivery is not there.
    expect(flaggedOnly.body.deliveries.some((d: { serviceId: string }) => d.serviceId === quiet.serviceId)).toBe(false);

    // Nothing moves the quiet one any more: after a while it is stuck.
    await new Promise((r) => setTimeout(r, 2500));
    const stuck = await stack.call('GET', '/operator/deliveries?stuckFor=2s&flagged=false&limit=1000');
    expect(stuck.status).toBe(200);
    const quietItem = stuck.body.deliveries.find((d: { serviceId: string }) => d.serviceId === quiet.serviceId);
    expect(quietItem).toMatchObject({ needsAttention: false, reason: expect.stringMatching(/^no progress since /) });
    expect(Date.parse(quietItem.lastProgressAt)).toBeLessThan(Date.now() - 2000);
    // A long span finds neither.
    const none = await stack.call('GET', '/operator/deliveries?stuckFor=1d&flagged=false&limit=1000');
    expect(none.body.deliveries.some((d: { serviceId: string }) => d.serviceId === quiet.serviceId)).toBe(false);

    const listed = await cli('list', '--stuck-for', '2s', '--limit', '1000');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${quiet.serviceId}  PENDING  vtex  order ${quiet.orderId}`);
    expect(listed.out).toMatch(new RegExp(`${flagged.serviceId} .*flagged: Unknown VTEX paymentMethod "BARTER"`));
  });

  it('refuses a bad query string with the field that is wrong', async () => {
    const bad = await stack.call('GET', '/operator/deliveries?stuckFor=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ path: 'stuckFor', message: expect.stringContaining('time span') });
    const unknown = await stack.call('GET', '/operator/deliveries?status=PENDING');
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].path).toBe('(body)');
    expect((await stack.call('GET', '/operator/deliveries', undefined, { authorization: 'Bearer wrong' })).status).toBe(
      401,
    );
    expect((await cli('list', '--stuck-for', 'soon')).code).toBe(2);
  });
});

describe('one command to one delivery', () => {
  it('cancels and pauses through /operator/deliveries/:serviceId/commands, with the operator as who', async () => {
    const d = await createVtexDelivery(stack);
    const paused = await stack.call('POST', `/operator/deliveries/${d.serviceId}/commands`, {
      action: 'pause',
      why: 'Customer asked to wait',
    });
    expect(paused.status).toBe(202);
    expect(paused.body).toEqual({
      serviceId: d.serviceId,
      action: 'pause',
      why: 'Customer asked to wait',
      by: operatorIdentity(TEST_INTAKE_TOKEN),
      follow: `/deliveries/${d.serviceId}`,
    });
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'EXIT_STORE', { what: 'the job on hold' });
    const pausedView = await stateOf(stack, d.serviceId);
    expect(pausedView.paused).toBe(true);
    expect(pausedView.timeline.map((l) => l.message)).toContainEqual(
      expect.stringContaining(`paused by operator ${operatorIdentity(TEST_INTAKE_TOKEN)}: Customer asked to wait`),
    );

    const canceled = await stack.call('POST', `/operator/deliveries/${d.serviceId}/commands`, {
      action: 'cancel',
      why: 'Duplicate order',
    });
    expect(canceled.status).toBe(202);
    expect((await finalView(stack, d.serviceId)).status).toBe('CANCELED');
    expect(stack.engine.job(d.jobId)?.state).toBe('CANCELLED');

    const again = await stack.call('POST', `/operator/deliveries/${d.serviceId}/commands`, {
      action: 'clear-flag',
      why: 'looked at it',
    });
    expect(again.status).toBe(409);
  });

  it('forces a status, clears the flag and asks for a re-send, each in the timeline with who and why', async () => {
    const d = await createVtexDelivery(stack, { body: createServiceBody({ paymentMethod: 'BARTER' }) });
    const forced = await stack.call('POST', `/operator/deliveries/${d.serviceId}/commands`, {
      action: 'force-status',
      status: 'ON_ROUTE',
      why: 'Driver reported by phone',
    });
    expect(forced.status).toBe(202);
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'ON_ROUTE', {
      what: 'ON_ROUTE at VTEX',
    });
    const lines = async () => (await stateOf(stack, d.serviceId)).timeline.map((l) => l.message);
    expect(await lines()).toContainEqual(
      expect.stringContaining(`forced by operator ${operatorIdentity(TEST_INTAKE_TOKEN)}: Driver reported by phone`),
    );

    expect((await stateOf(stack, d.serviceId)).needsAttention).toBe(true);
    const cleared = await cli('clear-flag', d.serviceId, '--why', 'Paid by bank transfer', '--by', 'ana@ops');
    expect(cleared.code).toBe(0);
    expect(cleared.out).not.toContain('NEEDS ATTENTION');
    expect(cleared.out).toContain('operator ana@ops cleared the flag: Paid by bank transfer');
    expect((await stateOf(stack, d.serviceId)).needsAttention).toBe(false);

    const resend = await cli('resend', d.serviceId, '--why', 'VTEX fixed its validation', '--by', 'ana@ops');
    expect(resend.code).toBe(0);
    expect(resend.out).toContain(
      'operator ana@ops asked to re-send refused reports (VTEX fixed its validation): there are none',
    );
  });

  it('refuses a command without why, an unknown action or status, and an unknown delivery, naming the field', async () => {
    const d = await createVtexDelivery(stack, { waitFirstReport: false });
    const path = `/operator/deliveries/${d.serviceId}/commands`;
    const noWhy = await stack.call('POST', path, { action: 'resend-refused' });
    expect(noWhy.status).toBe(400);
    expect(noWhy.body.details).toEqual([{ path: 'why', message: expect.any(String) }]);
    const shortWhy = await stack.call('POST', path, { action: 'clear-flag', why: 'ok' });
    expect(shortWhy.body.details[0]).toMatchObject({ path: 'why', message: expect.stringContaining('say why') });
    const unknownAction = await stack.call('POST', path, { action: 'explode', why: 'because' });
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.body.details[0].path).toBe('action');
    const badStatus = await stack.call('POST', path, { action: 'force-status', status: 'LOST', why: 'driver says' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.details[0].path).toBe('status');
    const unknown = await stack.call('POST', '/operator/deliveries/vtex-NOPE-aaaaaaaaaa/commands', {
      action: 'clear-flag',
      why: 'looked at it',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.details[0].path).toBe('serviceId');

    const cliNoWhy = await cli('force-status', d.serviceId, 'ON_ROUTE');
    expect(cliNoWhy.code).not.toBe(0);
    expect(cliNoWhy.err).toContain('--why');
    const cliBadStatus = await cli('force-status', d.serviceId, 'LOST', '--why', 'driver says so');
    expect(cliBadStatus).toMatchObject({ code: 2, err: expect.stringContaining('status') });
  });
});

describe('bulk operations', () => {
  it('pauses, resumes and cancels every delivery a query finds, as Temporal batch jobs that can be followed', async () => {
    const deliveries = await Promise.all([createVtexDelivery(stack), createVtexDelivery(stack)]);
    const orderIds = deliveries.map((d) => d.orderId);
    await visible(orderIds);

    const pause = await stack.call('POST', '/operator/bulk', {
      action: 'pause',
      query: ours(orderIds),
      why: 'Storm: hold the route',
    });
    expect(pause.status).toBe(202);
    expect(pause.body).toMatchObject({
      jobId: expect.stringMatching(/^bulk-pause-/),
      action: 'pause',
      matched: 2,
      query: expect.stringContaining('ExecutionStatus = "Running"'),
      follow: `/operator/bulk/${pause.body.jobId}`,
    });
    const paused = await followBatch(pause.body.jobId);
    expect(paused.body).toMatchObject({
      state: 'COMPLETED',
      operation: 'SIGNAL',
      total: 2,
      completed: 2,
      failed: 0,
      identity: operatorIdentity(TEST_INTAKE_TOKEN),
      // Temporal keeps a batch's reason in clear: who and what only. The why travels in each
      // delivery's signal, encrypted, and shows in its timeline.
      reason: `${operatorIdentity(TEST_INTAKE_TOKEN)}: bulk pause`,
    });
    for (const d of deliveries) {
      await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'EXIT_STORE', {
        what: `${d.jobId} on hold`,
      });
      expect((await stateOf(stack, d.serviceId)).timeline.map((l) => l.message).join('\n')).toContain(
        'Storm: hold the route',
      );
    }

    // The command line: resume, followed to its end.
    const resumed = await cli('bulk', 'resume', '--query', ours(orderIds), '--why', 'Storm over', '--wait');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/batch job bulk-resume-\S+: resume on 2 open deliveries/);
    expect(resumed.out).toMatch(/COMPLETED {2}SIGNAL: 2 done, 0 failed of 2/);
    for (const d of deliveries)
      await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'UNBLOCKED', {
        what: `${d.jobId} released`,
      });

    const cancel = await cli(
      'bulk',
      'cancel',
      '--query',
      ours(orderIds),
      '--why',
      'Store closed for good',
      '--by',
      'ops-night',
    );
    expect(cancel.code).toBe(0);
    const jobId = /batch job (\S+):/.exec(cancel.out)![1]!;
    const views = await Promise.all(deliveries.map((d) => finalView(stack, d.serviceId)));
    expect(views.map((v) => v.status)).toEqual(['CANCELED', 'CANCELED']);
    // The batch's signal argument went through our codec and reached each workflow whole: who, why.
    for (const [i, v] of views.entries()) {
      expect(v.timeline.map((l) => l.message)).toContainEqual(
        expect.stringContaining('canceled by operator ops-night: Store closed for good'),
      );
      // An operator's cancel is told to the platform.
      await waitFor(() => stack.vtex.service(deliveries[i]!.carrierId, v.serviceId)?.status === 'CANCELED', {
        what: 'CANCELED at VTEX',
      });
    }
    const followed = await cli('bulk-status', jobId, '--wait');
    expect(followed.out).toContain(`${jobId}  COMPLETED  SIGNAL: 2 done, 0 failed of 2`);
    // Ended deliveries are no longer open: the same query now finds none.
    const nothing = await stack.call('POST', '/operator/bulk', {
      action: 'cancel',
      query: ours(orderIds),
      why: 'again',
    });
    expect(nothing.body.matched).toBe(0);
    await followBatch(nothing.body.jobId);
  });

  it('refuses a query Temporal does not take, and an unknown job, with the field', async () => {
    const bad = await stack.call('POST', '/operator/bulk', { action: 'cancel', query: 'OrderId ===', why: 'testing' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('query');
    const escaping = await stack.call('POST', '/operator/bulk', {
      action: 'cancel',
      query: 'OrderId = "x") OR (WorkflowType = "reconcileWorkflow"',
      why: 'testing',
    });
    expect(escaping.status).toBe(400);
    expect(escaping.body.details[0]).toMatchObject({ path: 'query', message: expect.stringContaining('pair up') });
    const noAction = await stack.call('POST', '/operator/bulk', { query: 'OrderId = "x"', why: 'testing' });
    expect(noAction.status).toBe(400);
    expect(noAction.body.details[0].path).toBe('action');
    const unknown = await stack.call('GET', '/operator/bulk/bulk-cancel-nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.details[0].path).toBe('jobId');
  });
});
