/**
 * Platform commands go ahead of reports the platform keeps refusing, and a report that stays
 * refused flags its delivery (test/integration/refusedReports.test.ts: what happens to it then).
 */
import { createVtexDelivery, emit, finalView, stateOf, vtexCallsOf, withDriver } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

describe('VTEX answering 503 to every tracking call', () => {
  const stack = useTestStack({ env: { REPORT_ATTENTION_AFTER_MS: '3000' } });
  afterEach(() => stack.vtex.resetFaults());

  it('still carries out a VTEX Cancel at the engine at once, and flags the delivery while the reports wait', async () => {
    const d = await createVtexDelivery(stack);
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/tracking/hook' });
    await emit(stack, d.jobId, 'ALLOCATED', withDriver({ id: 'r-1', name: 'Ana' }));
    await emit(stack, d.jobId, 'CHECKED_OUT');

    const canceled = await stack.vtex.cancelService(d.serviceId, 'customer gave up', d.carrierId);
    expect(canceled.status).toBe(200);
    await waitFor(() => stack.engine.jobsByClientReference(d.serviceId)[0]?.state === 'CANCELLED' || undefined, {
      what: 'the engine job canceled',
      timeoutMs: 10_000,
    });
    const flagged = await waitFor(
      async () => {
        const view = await stateOf(stack, d.serviceId);
        return view.needsAttention ? view : undefined;
      },
      { what: 'the delivery flagged', timeoutMs: 15_000 },
    );
    expect(flagged.lastError).toMatch(/not taken by the platform after 3 s: still retrying/);
    expect(flagged.pendingReports).toBeGreaterThan(0);

    // VTEX comes back: the waiting reports go through, in order, and the delivery ends.
    stack.vtex.resetFaults();
    const view = await finalView(stack, d.serviceId, 90_000);
    expect(view.status).toBe('CANCELED');
    // VTEX's own cancel stands: status reports that waited behind the outage are not sent over it
    // (the one under way when the cancel came may still land).
    const taken = vtexCallsOf(stack, d.serviceId).filter((c) => c.method === 'PATCH' && c.status === 200);
    expect(taken.map((c) => (c.body as { status?: string }).status)).not.toContain('PICKED');
    expect(view.timeline.some((t) => /waiting status report\(s\) dropped/.test(t.message))).toBe(true);
    await recordHistory(stack.bridge.client, d.serviceId, 'cancel-ahead-of-refused-reports');
  }, 120_000);
});
