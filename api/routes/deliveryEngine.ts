/**
 * The Delivery Engine's job events (docs/partners.md "Delivery Engine"). Answered 200 only once Temporal holds
 * the event, so the engine's retries cover every failure before that.
 */
import { Router } from 'express';
import { JobEvent, WEBHOOK_KEY_HEADER } from '../../contracts/deliveryEngine';
import { verifyWebhookKey } from '../../contracts/webhookKey';
import type { DeliveryGateway } from '../deliveries';
import { parseBody, unauthorized } from '../errors';

export function deliveryEngineRoutes({
  gateway,
  webhookSecret,
}: {
  gateway: DeliveryGateway;
  webhookSecret: string;
}): Router {
  const router = Router();
  router.post('/webhooks', async (req, res) => {
    const event = parseBody(JobEvent, req.body);
    const serviceId = verifyWebhookKey(webhookSecret, req.get(WEBHOOK_KEY_HEADER), event.job.client_reference);
    if (!serviceId)
      throw unauthorized('X-Webhook-Key does not match the job', [
        {
          path: `headers.${WEBHOOK_KEY_HEADER}`,
          message: 'is not the key of the job this event names (job.client_reference)',
        },
      ]);
    const outcome = await gateway.carrierEvent(serviceId, event);
    res.status(200).json({ received: event.id, serviceId, outcome });
  });
  return router;
}
