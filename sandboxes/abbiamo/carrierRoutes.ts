/**
 * Abbiamo's carrier API: `POST /v1/delivery/<endpoint>` (one per status) and
 * `GET /v1/delivery/:delivery_id`, authenticated with `x-abbiamo-carrier-key`.
 */
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { ABBIAMO_ENDPOINTS, AbbiamoStatusBody, type AbbiamoEndpoint } from '../../contracts/abbiamo';
import { parseOr400, SandboxError } from '../common/errors';
import type { DeliveryStore, SandboxDelivery } from './deliveries';

export interface CarrierRouteDeps {
  store: DeliveryStore;
  carrierKey: () => string;
  /** files a delivery first seen in a status call, when the sandbox is told to (else undefined: 404) */
  registerUnknown: (deliveryId: string, eventAt: string) => SandboxDelivery | undefined;
  logger: Logger;
}

function hasEventHeaders(req: Request, delivery: SandboxDelivery): boolean {
  return Object.entries(delivery.headers).every(([name, value]) => req.headers[name.toLowerCase()] === value);
}

export function createCarrierRouter(deps: CarrierRouteDeps): Router {
  const router = Router();
  router.use('/v1/delivery', (req, _res, next) => {
    if (req.get('x-abbiamo-carrier-key') !== deps.carrierKey()) {
      next(new SandboxError(401, 'Unauthorized: x-abbiamo-carrier-key is missing or wrong'));
      return;
    }
    next();
  });

  router.get('/v1/delivery/:delivery_id', (req, res) => {
    const view = deps.store.view(req.params.delivery_id);
    if (!view) throw new SandboxError(404, `No delivery ${req.params.delivery_id}`);
    res.json(view);
  });

  router.post('/v1/delivery/:endpoint', (req, res) => {
    const endpoint = req.params.endpoint as AbbiamoEndpoint;
    if (!ABBIAMO_ENDPOINTS.includes(endpoint)) throw new SandboxError(404, `No endpoint /v1/delivery/${endpoint}`);
    const body = parseOr400(AbbiamoStatusBody, req.body);
    const delivery = deps.store.get(body.delivery_id) ?? deps.registerUnknown(body.delivery_id, body.event_at);
    if (!delivery) throw new SandboxError(404, `No delivery ${body.delivery_id}`);
    const now = Date.now();
    const judgement = deps.store.judge(delivery, endpoint, body, now);
    deps.store.record(delivery, endpoint, body, judgement, hasEventHeaders(req, delivery), now);
    deps.logger.info({ deliveryId: body.delivery_id, endpoint, outcome: judgement.outcome }, 'Abbiamo status call');
    if (judgement.outcome === 'refused') {
      res.status(422).json({ code: judgement.code, message: judgement.message });
      return;
    }
    res.json({ success: true });
  });
  return router;
}
