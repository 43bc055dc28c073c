/**
 * The marketplace's carrier API (CONTRACT.md section 6): our status callbacks, with the headers the
 * DELIVERY_REQUEST carried, in the shape of the shared StatusCallback contract.
 */
import { Router } from 'express';
import type { Logger } from 'pino';
import { StatusCallback } from '../../contracts/marketplace';
import { badRequest, parseOr400 } from '../common/errors';
import type { CallbackStore } from './callbacks';
import type { HeaderSets } from './headerSets';

export function createCallbackRouter(deps: { accepted: HeaderSets; store: CallbackStore; logger: Logger }): Router {
  const router = Router();
  router.post('/deliveries/:delivery_id/events', (req, res) => {
    if (!deps.accepted.matches(req.headers)) {
      res
        .status(401)
        .json({ message: 'Unauthorized: send the headers of the DELIVERY_REQUEST (logistic_data.headers)' });
      return;
    }
    const callback = parseOr400(StatusCallback, req.body);
    const deliveryId = req.params.delivery_id;
    if (callback.delivery_id !== deliveryId)
      throw badRequest([{ path: 'delivery_id', message: `does not match the path (${deliveryId})` }]);
    const received = deps.store.add(deliveryId, callback);
    deps.logger.info(
      { deliveryId, status: callback.status, eventId: callback.event_id, duplicate: received.duplicate },
      'status callback received',
    );
    res.json({ message: 'Event received', event_id: callback.event_id });
  });
  return router;
}
