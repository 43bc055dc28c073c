/**
 * Faults around a living delivery: VTEX failing or timing out for a while, its token expiring
 * mid-life, a forged webhook, and a long life that continues as new without losing anything.
 */
import { temporal } from '@temporalio/proto';
import { withoutMarker } from '../../activities/vtex';
import { DeliveryStatusKey, JobIdKey, OrderIdKey } from '../../workflows/searchAttributes';
import { historyText, recordHistory } from '../support/histories';
import { createVtexDelivery, emit, finalView, stateOf, vtexCallsOf, vtexLog } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack({ env: { CONTINUE_AS_NEW_AFTER_EVENTS: '60' } });
afterEach(() => {
  stack.vtex.resetFaults();
  stack.vtex.setExpiredTokenStatus(401);
});

describe('VTEX failing for a while', () => {
  it('retries a status VTEX answers 500 to until it is taken, and sends it once', async () => {
    const d = await createVtexDelivery(stack);
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [500], pathPattern: `${d.serviceId}$` });
    await emit(stack, d.jobId, 'ALLOCATED');
    await waitFor(() => vtexCallsOf(stack, d.serviceId).filter((c) => c.status === 500).length >= 2, {
      what: 'two 500s',
    });
    stack.vtex.resetFaults();
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'ASSIGNED', {
      what: 'ASSIGNED after the outage',
      timeoutMs: 20_000,
    });
    // The first report, then CREATED's tracking page, then ALLOCATED.
    expect(vtexLog(stack, d.serviceId)).toEqual(['PATCH PENDING', 'PATCH PENDING', 'PATCH ASSIGNED']);
    expect((await stateOf(stack, d.serviceId)).needsAttention).toBe(false);
  });

  it('retries a call VTEX never answers (timeout) and keeps the order of what follows', async () => {
    const d = await createVtexDelivery(stack);
    stack.vtex.setFaults({ timeoutRate: 1, pathPattern: `${d.serviceId}$` });
    await emit(stack, d.jobId, 'ALLOCATED');
    await emit(stack, d.jobId, 'PICKING_FINISHED');
    // The status PATCH reads the service back first (docs/specification.md "Exactly once at VTEX"): either call may hang.
    await waitFor(() => vtexCallsOf(stack, d.serviceId).some((c) => c.fault === 'timeout'), {
      what: 'a call left unanswered',
    });
    stack.vtex.resetFaults();
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'PICKED', {
      what: 'PICKED after the timeouts',
      timeoutMs: 30_000,
    });
    expect(vtexLog(stack, d.serviceId)).toEqual(['PATCH PENDING', 'PATCH PENDING', 'PATCH ASSIGNED', 'PATCH PICKED']);
  }, 60_000);

  it('renews an expired token mid-life (401, and VTEX OpenAPI 403 "token expired") and retries the call', async () => {
    const d = await createVtexDelivery(stack);
    const tokensBefore = stack.vtex.calls({ method: 'POST', path: '^/token$' }).length;
    stack.vtex.expireTokens();
    await emit(stack, d.jobId, 'ALLOCATED');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'ASSIGNED', {
      what: 'ASSIGNED with a new token',
    });
    stack.vtex.setExpiredTokenStatus(403);
    stack.vtex.expireTokens();
    await emit(stack, d.jobId, 'PICKING_FINISHED');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.status === 'PICKED', {
      what: 'PICKED with a new token',
    });

    // Each status PATCH reads the service back first: the expired token meets the read, is renewed once
    // (401, then VTEX's OpenAPI 403), and the read and the PATCH go on with the new one.
    const calls = vtexCallsOf(stack, d.serviceId).filter((c) => c.method === 'PATCH' || c.method === 'GET');
    expect(calls.map((c) => c.status).filter((status) => status !== 200)).toEqual([401, 403]);
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(stack.vtex.calls({ method: 'POST', path: '^/token$' }).length).toBe(tokensBefore + 2);
    // No token ever reaches the workflow's history.
    const history = await historyText(stack.bridge.client, d.serviceId);
    expect(history).toContain(d.jobId);
    expect(history).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});

describe('a VTEX answer lost on the way', () => {
  it('does not post evidences twice when the retry follows a call that had landed', async () => {
    const d = await createVtexDelivery(stack);
    stack.vtex.setFaults({ lostAnswerRate: 1, pathPattern: '/tracking/hook/(notes|evidences)/' });
    const event = await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    await waitFor(() => vtexCallsOf(stack, d.serviceId).filter((c) => c.fault === 'lost-answer').length >= 1, {
      what: 'a lost answer',
    });
    stack.vtex.resetFaults();
    const view = await finalView(stack, d.serviceId);
    expect(view).toMatchObject({ status: 'DELIVERED', needsAttention: false });
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.evidences.map((e) => withoutMarker(e.content ?? ''))).toEqual([event.job.evidences![0]!.content]);
    // The retry read the service back (GET) instead of posting again.
    expect(vtexCallsOf(stack, d.serviceId).some((c) => c.method === 'GET')).toBe(true);
  });
});

// The webhook's refusals (signature, the job's key) are tested in test/integration/instaleap.test.ts.

/** What Temporal shows of a delivery that did not get on: its workflow task, and its last events. */
async function stallReport(serviceId: string): Promise<string> {
  const handle = stack.bridge.client.workflow.getHandle(serviceId);
  const { raw } = await handle.describe();
  const task = raw.pendingWorkflowTask;
  const { events } = await handle.fetchHistory();
  const EventType = temporal.api.enums.v1.EventType;
  const tail = (events ?? [])
    .slice(-40)
    .map(
      (e) =>
        `${String(e.eventId)} ${EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '')} ${e.eventTime?.seconds ?? ''}`,
    );
  return [
    `history length ${String(raw.workflowExecutionInfo?.historyLength ?? '?')}, pending workflow task: ${
      task
        ? `${temporal.api.enums.v1.PendingWorkflowTaskState[task.state ?? 0]} attempt ${task.attempt ?? '?'}`
        : 'none'
    }`,
    ...tail,
  ].join('\n');
}

describe('a long life', () => {
  it('continues as new before its history grows large, carrying its status, job, seen events and pending work', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED');
    // Each step on the way brings the job a new eta (Instaleap's job, read when present).
    const base = Date.parse('2030-01-01T12:00:00.000Z');
    const etaOf = (i: number) => new Date(base + i * 60_000).toISOString();
    for (let i = 1; i <= 20; i += 1)
      await emit(stack, d.jobId, 'GOING_TO_DESTINATION_STARTED', { job: { eta: etaOf(i) } });
    const mid = await waitFor(
      async () => {
        const view = await stateOf(stack, d.serviceId);
        if (view.run >= 2 && view.pendingReports === 0) return view;
        // Kept as the last error: a timeout says where the delivery stood.
        throw new Error(`run ${view.run}, ${view.pendingReports} reports pending, status ${view.status}`);
      },
      // 21 events, each reported with a read-back first: on a loaded machine (CI runs files two at a time) this takes a while.
      { what: 'a second run', timeoutMs: 90_000 },
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}\n${await stallReport(d.serviceId)}`);
    });
    expect(mid).toMatchObject({ status: 'ON_ROUTE', job: { jobId: d.jobId }, phase: 'active' });
    // The new run keeps what operators search by.
    const described = await stack.bridge.client.workflow.getHandle(d.serviceId).describe();
    expect(described.typedSearchAttributes.get(OrderIdKey)).toBe(d.orderId);
    expect(described.typedSearchAttributes.get(DeliveryStatusKey)).toBe('ON_ROUTE');
    expect(described.typedSearchAttributes.get(JobIdKey)).toBe(d.jobId);
    expect(described.memo?.summary).toMatchObject({ jobId: d.jobId, paused: false });

    // An event delivered twice after the continue-as-new is still dropped once.
    stack.engine.setWebhookBehaviour({ duplicateRate: 1 });
    try {
      await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    } finally {
      stack.engine.setWebhookBehaviour({ duplicateRate: 0 });
    }
    const end = await finalView(stack, d.serviceId);
    expect(end.status).toBe('DELIVERED');
    expect(end.run).toBeGreaterThanOrEqual(2);
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.evidences).toHaveLength(1);
    const etas = vtexCallsOf(stack, d.serviceId)
      .filter((c) => c.method === 'PATCH' && c.status === 200)
      .map((c) => (c.body as { shippingEstimatedDate?: string }).shippingEstimatedDate)
      .filter((x) => x !== undefined && x.startsWith('2030-'));
    expect(etas).toEqual(Array.from({ length: 20 }, (_, i) => etaOf(i + 1)));
    await recordHistory(stack.bridge.client, d.serviceId, 'continued-as-new-last-run');
  }, 180_000);
});
