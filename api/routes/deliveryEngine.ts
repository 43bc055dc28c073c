/**
 * Instaleap's job events (docs/partners.md "Delivery Engine"), one route registered once for the
 * account. The raw body is checked before it is trusted: `InstaLeap-Signature` over the event's
 * id, time and type first (a missing or wrong one is a 401 and nothing else of the body is read),
 * then the job's own key in `external_data.webhook`, which the signature does not cover (a signed
 * event carried onto another job's body is a 401 too). Answered 200 only once Temporal holds the
 * event, so Instaleap's retries cover every failure before that.
 */
import { Router } from 'express';
import { JobEvent, SIGNATURE_HEADER, type SignedFieldsOf } from '../../contracts/deliveryEngine';
import { verifySignature, verifyWebhookKey } from '../../contracts/webhookKey';
import type { DeliveryGateway } from '../deliveries';
import { parseBody, unauthorized } from '../errors';

export interface DeliveryEngineRouteDeps {
  gateway: DeliveryGateway;
  /** DELIVERY_ENGINE_WEBHOOK_SECRET: what Instaleap signs with */
  signingSecret: string;
  /** the secret the jobs' keys are derived from (contracts/webhookKey.ts) */
  jobKeySecret: string;
}

const SIGNATURE_PATH = 'headers.instaleap-signature';

export function deliveryEngineRoutes({ gateway, signingSecret, jobKeySecret }: DeliveryEngineRouteDeps): Router {
  const router = Router();
  router.post('/webhooks', async (req, res) => {
    const signature = req.get(SIGNATURE_HEADER);
    if (!signature)
      throw unauthorized('InstaLeap-Signature is missing', [{ path: SIGNATURE_PATH, message: 'is required' }]);
    const body = jsonOf(req.body);
    const fields = body && signedFields(body);
    if (!fields || !verifySignature(signingSecret, signature, fields))
      throw unauthorized('InstaLeap-Signature does not match the event', [
        { path: SIGNATURE_PATH, message: 'is not the HMAC-SHA256 of "{id}&{created_at}&{type}" with our secret' },
      ]);
    const event = parseBody(JobEvent, body);
    const serviceId = verifyWebhookKey(jobKeySecret, jobKeyOf(body), event.job.client_reference);
    if (!serviceId)
      throw unauthorized("The job's key does not match the job", [
        {
          path: 'job.external_data.webhook.key',
          message: 'is not the key of the job this event names (job.client_reference)',
        },
      ]);
    // The parse kept only what the delivery reads: the job's key and its customer never reach Temporal.
    const outcome = await gateway.carrierEvent(serviceId, event);
    res.status(200).json({ received: event.id, serviceId, outcome });
  });
  return router;
}

/** The raw body as JSON, or undefined when it is none. */
function jsonOf(raw: unknown): Record<string, unknown> | undefined {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The three fields the signature covers, when all are strings: nothing else is read before it verifies. */
function signedFields(body: Record<string, unknown>): SignedFieldsOf | undefined {
  const { id, created_at, type } = body;
  return typeof id === 'string' && typeof created_at === 'string' && typeof type === 'string'
    ? { id, created_at, type }
    : undefined;
}

function jobKeyOf(body: Record<string, unknown>): string | undefined {
  const job = body.job as { external_data?: { webhook?: { key?: unknown } } } | undefined;
  const key = job?.external_data?.webhook?.key;
  return typeof key === 'string' ? key : undefined;
}
