/**
 * The marketplace calls us here (seed 002: DELIVERY_REQUEST). One workflow per element of
 * `deliveries`, answered 202 once every one exists; nothing starts unless every delivery maps.
 */
import { Router } from 'express';
import { DeliveryRequestEvent, MarketplaceEventEnvelope } from '../../contracts/marketplace';
import { mapMarketplaceEvent } from '../../mapping/marketplaceToJob';
import type { Sealer } from '../../security/sealing';
import type { DeliveryGateway } from '../deliveries';
import { parseBody } from '../errors';

export interface MarketplaceRouteDeps {
  gateway: DeliveryGateway;
  creationGraceMs: number;
  /** Seals `logistic_data.headers` before they enter a workflow input. */
  sealer: Sealer;
}

export const DELIVERY_REQUEST = 'DELIVERY_REQUEST';

export function marketplaceRoutes({ gateway, creationGraceMs, sealer }: MarketplaceRouteDeps): Router {
  const router = Router();

  router.post('/events', async (req, res) => {
    const receivedAt = res.locals.receivedAt as number;
    const { event_type: eventType } = parseBody(MarketplaceEventEnvelope, req.body);
    if (eventType !== DELIVERY_REQUEST) {
      // Seed 002 defines only DELIVERY_REQUEST. A platform that adds an event type expects
      // carriers to acknowledge what they do not handle, not to fail its webhook (docs/marketplace.md).
      req.log.warn(
        { eventType: eventType.slice(0, 100) },
        'marketplace event of a type we do not handle: acknowledged, nothing started',
      );
      res.status(202).json({
        event_type: eventType,
        ignored: true,
        reason: `event_type ${eventType} is not handled (only ${DELIVERY_REQUEST})`,
        accepted: [],
      });
      return;
    }
    const event = parseBody(DeliveryRequestEvent, req.body);
    // Every delivery is mapped before any workflow starts: one bad delivery refuses the event.
    const inputs = mapMarketplaceEvent(event, {
      now: new Date(receivedAt),
      creationGraceMs,
      sealHeaders: (headers, serviceId) => sealer.sealJson(headers, serviceId),
    });
    const started = await gateway.startDeliveries(inputs);
    const route = inputs[0]?.routeId ? { id: inputs[0].routeId, name: inputs[0].routeName ?? null } : null;
    res.status(202).json({
      event_type: eventType,
      accepted: inputs.map((input, i) => ({
        delivery_id: input.spec.clientReference,
        serviceId: input.serviceId,
        workflow: started[i]!.workflow,
      })),
      route,
    });
  });

  return router;
}
