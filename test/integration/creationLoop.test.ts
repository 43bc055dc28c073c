/**
 * Job creation against an engine that refuses every create with a slot answer (409, 417, 404):
 * the durable loop backs off instead of spinning, so the delivery's history stays small and the
 * delivery lives until its window ends (issue: "creation hot loop").
 */
import { createServiceBody } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

// 409: the slot is taken (Conflict); 417: the slot lapsed (SlotExpired). Both ask for a new slot.
describe.each([409, 417])('a Delivery Engine that answers %i to every create', (status) => {
  const stack = useTestStack();

  it('is asked again with a growing, capped backoff, not in a hot loop', async () => {
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [status], pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    const serviceId = (result.body as { serviceId: string }).serviceId;
    const creates = () =>
      stack.engine
        .calls({ method: 'POST', path: '^/jobs$' })
        .filter((c) => (c.body as { client_reference?: string } | undefined)?.client_reference !== undefined);
    await waitFor(() => creates().length >= 3 || undefined, { what: 'three creates', timeoutMs: 20_000 });
    const seenAt = creates().length;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const after = creates().length;
    // Backoff 1, 2, 4, 8 s...: at most a handful of creates in 12 s (a hot loop makes hundreds).
    expect(after - seenAt).toBeLessThanOrEqual(6);
    const described = await stack.bridge.client.workflow.getHandle(serviceId).describe();
    expect(described.historyLength).toBeLessThan(200);
    expect(described.status.name).toBe('RUNNING');
    // Every create met the status under test (the fault answered it), so this loop is its loop.
    expect(creates().every((c) => c.status === status)).toBe(true);
    stack.engine.resetFaults();
  }, 60_000);
});
