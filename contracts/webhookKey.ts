/**
 * Each job's webhook key (docs/partners.md "Delivery Engine": `external_data.webhook.key`), derived rather than
 * stored: `<serviceId>.<HMAC-SHA256(secret, serviceId + "\n" + client_reference)>`. The intake
 * checks a job event's `X-Webhook-Key` by recomputing it from the event's own `client_reference`,
 * so a key only ever opens its own job, no key sits in workflow history, and no lookup is needed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function webhookKeyFor(secret: string, serviceId: string, clientReference: string): string {
  const mac = createHmac('sha256', secret).update(`${serviceId}\n${clientReference}`).digest('base64url');
  return `${serviceId}.${mac}`;
}

/** The serviceId a key names, when the key is genuine for that job's client_reference; else undefined. */
export function verifyWebhookKey(
  secret: string,
  presented: string | undefined,
  clientReference: string,
): string | undefined {
  if (!presented) return undefined;
  const dot = presented.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const serviceId = presented.slice(0, dot);
  const expected = Buffer.from(webhookKeyFor(secret, serviceId, clientReference));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given) ? serviceId : undefined;
}
