/**
 * No job is left live at the engine for a delivery the platform is told failed: when creation
 * gives up after a POST /jobs was sent, the job is learnt through the idempotent create and
 * canceled (issue: "orphan jobs").
 */
import { createServiceBody, finalView } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { vtexServiceId } from '../../mapping/ids';

describe('a create whose answer was lost, then an engine down past the window', () => {
  const stack = useTestStack({ env: { CREATION_GRACE_MS: '6000' } });

  it('cancels the job the engine made, and ends CANCELED and flagged', async () => {
    // The engine carries out POST /jobs but its answer never arrives...
    stack.engine.setFaults({ lostAnswerRate: 1, pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    const serviceId = (result.body as { serviceId: string }).serviceId;
    const job = await waitFor(() => stack.engine.jobByClientReference(vtexServiceId(body.carrierId, body.orderId)), {
      what: 'the unseen job',
    });
    // ...then the engine is down until the delivery's window (and grace) has passed.
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs' });
    await new Promise((resolve) => setTimeout(resolve, 7000));
    stack.engine.resetFaults();

    const view = await finalView(stack, serviceId, 60_000);
    expect(view).toMatchObject({ status: 'CANCELED', needsAttention: true });
    expect(view.job).toBeUndefined();
    expect(stack.engine.jobByClientReference(vtexServiceId(body.carrierId, body.orderId))).toMatchObject({
      job_id: job.job_id,
      status: 'CANCELLED',
    });
    expect(stack.vtex.service(body.carrierId, serviceId)?.status).toBe('CANCELED');
    await recordHistory(stack.bridge.client, serviceId, 'orphan-job-canceled');
  }, 90_000);
});
