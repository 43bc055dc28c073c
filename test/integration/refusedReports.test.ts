/**
 * What happens to a report the platform will not take, through the real stack: a platform that
 * answers 404 for a while never cancels a delivery on its own, a report refused at the end of a
 * life keeps the delivery open and flagged until an operator acts, and a continue-as-new never
 * sends the report under way a second time beside it.
 */
import { vtexServiceId } from '../../mapping/ids';
import { operatorSignal } from '../../workflows/messages';
import {
  createServiceBody,
  createVtexDelivery,
  emit,
  finalView,
  stateOf,
  vtexCallsOf,
  withDriver,
} from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { recordHistory } from '../support/histories';
import { waitFor } from '../support/waitFor';

const statusOf = (call: { body: unknown }) => (call.body as { status?: string } | null)?.status;

describe('reports the platform refuses', () => {
  const stack = useTestStack({
    // A 404 counts as refused after 2 attempts here (hours in production); flagged after 3 s.
    env: { VTEX_NOT_FOUND_RETRY_ATTEMPTS: '2', REPORT_ATTENTION_AFTER_MS: '3000' },
  });
  afterEach(() => stack.vtex.resetFaults());
  const handleOf = (serviceId: string) => stack.bridge.client.workflow.getHandle(serviceId);

  it('a platform answering 404 to the first report flags the delivery and cancels nothing', async () => {
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [404], pathPattern: '^/tracking/hook' });
    const body = createServiceBody();
    const answer = await stack.call('POST', '/vtex/services', body);
    expect(answer.status).toBe(200);
    const serviceId = answer.body.serviceId as string;
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job',
      },
    );
    const flagged = await waitFor(
      async () => {
        const view = await stateOf(stack, serviceId);
        return view.refusedReports > 0 ? view : undefined;
      },
      { what: 'the first report refused and kept', timeoutMs: 30_000 },
    );
    expect(flagged).toMatchObject({ status: 'PENDING', phase: 'active', needsAttention: true });
    expect(flagged.timeline.map((t) => t.status).filter(Boolean)).not.toContain('CANCELED');
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]?.state).not.toBe(
      'CANCELLED',
    );

    // VTEX knows the service after all: the operator resends, and the delivery goes on.
    stack.vtex.resetFaults();
    await handleOf(serviceId).signal(operatorSignal, {
      action: 'resend-refused',
      by: 'bo@ops',
      why: 'VTEX indexed it',
    });
    await waitFor(() => stack.vtex.service(body.carrierId, serviceId)?.status === 'PENDING' || undefined, {
      what: 'the first PATCH at VTEX',
    });
    await emit(stack, job.id, 'CLIENT_RECEIVED');
    expect(await finalView(stack, serviceId)).toMatchObject({ status: 'DELIVERED', needsAttention: false });
    // The resend behind `patched('resend-refused-in-order')` (workflows/operator.ts), for the replay tests.
    await recordHistory(stack.bridge.client, serviceId, 'resend-refused-in-order');
  });

  it('a final report refused for good keeps the ended delivery open and flagged until an operator dismisses it', async () => {
    const d = await createVtexDelivery(stack);
    // VTEX refuses every tracking call from now on: the DELIVERED PATCH, its evidences and notes.
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [400], pathPattern: '^/tracking/hook' });
    await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    const kept = await waitFor(
      async () => {
        const view = await stateOf(stack, d.serviceId);
        return view.status === 'DELIVERED' && view.refusedReports > 0 && view.pendingReports === 0 ? view : undefined;
      },
      { what: 'the final reports refused and kept' },
    );
    expect(kept).toMatchObject({ needsAttention: true, phase: 'active' });
    // Still running: the attention list, the flagged metric and resend-refused see it.
    const description = await stack.bridge.client.workflow.getHandle(d.serviceId).describe();
    expect(description.status.name).toBe('RUNNING');

    await handleOf(d.serviceId).signal(operatorSignal, {
      action: 'clear-flag',
      by: 'bo@ops',
      why: 'told VTEX by phone',
    });
    const ended = await finalView(stack, d.serviceId);
    expect(ended).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false, refusedReports: 0 });
  });
});

describe('continue-as-new with a report under way', () => {
  const stack = useTestStack({ env: { CONTINUE_AS_NEW_AFTER_EVENTS: '50' } });
  afterEach(() => stack.vtex.resetFaults());

  it('finishes the report in flight before the new run, which never sends it again beside it', async () => {
    const d = await createVtexDelivery(stack);
    // Every status PATCH (and its read-back) takes over a second: a continue-as-new will find one under way.
    stack.vtex.setFaults({ latencyMs: 1200, pathPattern: '^/tracking/hook/[^/]+/[^/]+$' });
    const steps = ['ALLOCATED', 'PICKING_FINISHED', 'CHECKED_OUT', 'GOING_TO_DESTINATION_STARTED', 'CLIENT_RECEIVED'];
    for (const type of steps) await emit(stack, d.jobId, type, withDriver({ id: 'r-1', name: 'Ana' }));
    const view = await finalView(stack, d.serviceId, 90_000);
    expect(view.status).toBe('DELIVERED');
    expect(view.run).toBeGreaterThan(1);
    const patches = vtexCallsOf(stack, d.serviceId)
      .filter((c) => c.method === 'PATCH')
      .map(statusOf);
    // Each status reached VTEX in one PATCH, in order (PENDING twice: our first report, then the
    // job's tracking page from its CREATED event).
    expect(patches).toEqual(['PENDING', 'PENDING', 'ASSIGNED', 'PICKED', 'ON_ROUTE', 'DELIVERED']);
  }, 120_000);
});
