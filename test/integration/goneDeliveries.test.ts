/**
 * Answers that say what is true about deliveries whose workflow is gone (issue: "cancel of a
 * workflow that is gone"): a cancel cannot be "executed" by a terminated workflow, and an engine
 * event for a delivery Temporal no longer holds is acknowledged, not retried forever.
 */
import { webhookKeyFor } from '../../contracts/webhookKey';
import { createVtexDelivery, postSignedEvent } from '../support/deliveries';
import { useTestStack } from '../support/stack';

describe('deliveries whose workflow is gone', () => {
  const stack = useTestStack();

  it('answers a VTEX Cancel of a terminated workflow with 409 naming its state, not 200 executed', async () => {
    const d = await createVtexDelivery(stack);
    await stack.bridge.client.workflow.getHandle(d.serviceId).terminate('operator test');
    const answer = await stack.call('POST', '/vtex/services/cancel', {
      serviceId: d.serviceId,
      carrierId: d.carrierId,
      reason: 'customer gave up',
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatch(/terminated/);
    expect(answer.body.details).toEqual([expect.objectContaining({ path: 'serviceId' })]);
    // The engine's job is untouched: the answer did not pretend otherwise.
    expect(stack.engine.jobsByClientReference(d.serviceId)[0]?.state).not.toBe('CANCELLED');
  });

  it('acknowledges a keyed engine event for a delivery Temporal does not hold (200), so the engine stops retrying', async () => {
    const serviceId = 'vtex-gone-0123456789abcdef';
    const reference = 'ORDER-PAST-RETENTION';
    const key = webhookKeyFor(stack.config.deliveryEngine.jobKeySecret, serviceId, reference);
    const response = await postSignedEvent(
      stack,
      {
        id: 'evt-late-1',
        type: 'CLIENT_RECEIVED',
        created_at: new Date().toISOString(),
        job: { id: 'job-gone', client_reference: reference, external_data: { webhook: { key } } },
      },
      { authorization: '' },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'delivery-unknown', serviceId });
  });
});
