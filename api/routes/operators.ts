/** Operators read a delivery's state, from its workflow, and the deliveries of a route. */
import { Router } from 'express';
import { SafeId } from '../../contracts/abbiamo';
import { SERVICE_ID_PATTERN } from '../../mapping/ids';
import type { DeliveryGateway } from '../deliveries';
import { badRequest, notFound } from '../errors';

export function operatorRoutes({ gateway }: { gateway: DeliveryGateway }): Router {
  const router = Router();
  router.get('/:serviceId', async (req, res) => {
    const { serviceId } = req.params as { serviceId: string };
    if (!SERVICE_ID_PATTERN.test(serviceId))
      throw notFound('Unknown service', [{ path: 'serviceId', message: 'not a service id of ours' }]);
    const { view, summary } = await gateway.state(serviceId);
    if (view) {
      res.json({ ...view, workflowStatus: summary.workflowStatus });
      return;
    }
    // No worker answered the query: what Temporal itself knows.
    res.json({
      serviceId,
      status: summary.status,
      workflowStatus: summary.workflowStatus,
      summary: summary.memo?.summary ?? null,
      degraded: 'the worker did not answer; showing what Temporal stores',
    });
  });
  // `/deliveries/` (an empty id, or one of dots, which URLs fold away) names no delivery: say which
  // field is missing. A middleware, not a route: it adds no path to the API (api/openapi.ts).
  router.use((req, _res, next) => {
    next(
      req.method === 'GET' && req.path === '/'
        ? badRequest('A service id is required', [{ path: 'serviceId', message: 'is required' }])
        : undefined,
    );
  });
  return router;
}

/**
 * `GET /routes/:routeId`: the deliveries Abbiamo grouped in a route (`make_route`), found
 * by the RouteId search attribute, and the state of each from its workflow.
 */
export function routeOperatorRoutes({ gateway }: { gateway: DeliveryGateway }): Router {
  const router = Router();
  router.get('/:routeId', async (req, res) => {
    const { routeId } = req.params as { routeId: string };
    // Also what keeps the visibility query safe: no quotes can get in.
    if (!SafeId.safeParse(routeId).success)
      throw notFound('Unknown route', [{ path: 'routeId', message: 'not a route id we accept' }]);
    const deliveries = await gateway.routeDeliveries(routeId);
    if (deliveries.length === 0) {
      throw notFound('Unknown route', [
        {
          path: 'routeId',
          message: `no delivery of route ${routeId} is visible (a route received a moment ago may take a second to show)`,
        },
      ]);
    }
    const routeName = deliveries.find((d) => d.view?.routeName)?.view?.routeName ?? null;
    res.json({
      routeId,
      routeName,
      count: deliveries.length,
      deliveries: deliveries.map(({ serviceId, workflowStatus, status, view }) => ({
        serviceId,
        orderId: view?.orderId ?? null,
        status: status ?? null,
        phase: view?.phase ?? null,
        paused: view?.paused ?? null,
        needsAttention: view?.needsAttention ?? null,
        jobId: view?.job?.jobId ?? null,
        trackingUrl: view?.job?.trackingUrl ?? null,
        lastError: view?.lastError ?? null,
        workflowStatus,
        ...(view ? {} : { degraded: 'the worker did not answer; status from what Temporal stores' }),
      })),
    });
  });
  return router;
}
