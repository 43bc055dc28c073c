/** Operators read a delivery's state, from its workflow. */
import { Router } from 'express';
import { SERVICE_ID_PATTERN } from '../../mapping/ids';
import type { DeliveryGateway } from '../deliveries';
import { notFound } from '../errors';

export function operatorRoutes({ gateway }: { gateway: DeliveryGateway }): Router {
  const router = Router();
  router.get('/:serviceId', async (req, res) => {
    const { serviceId } = req.params as { serviceId: string };
    if (!SERVICE_ID_PATTERN.test(serviceId)) throw notFound('Unknown service', [{ path: 'serviceId', message: 'not a service id of ours' }]);
    const { view, summary } = await gateway.state(serviceId);
    if (view) {
      res.json({ ...view, workflowStatus: summary.workflowStatus });
      return;
    }
    // No worker answered the query: what Temporal itself knows.
    res.json({ serviceId, status: summary.status, workflowStatus: summary.workflowStatus, summary: summary.memo?.summary ?? null, degraded: 'the worker did not answer; showing what Temporal stores' });
  });
  return router;
}
