/**
 * The two proofs an Instaleap webhook must carry (docs/partners.md "Delivery Engine"):
 * - Instaleap's signature, header `InstaLeap-Signature`: hex HMAC-SHA256 of `"{id}&{created_at}&{type}"`
 *   keyed with the environment's secret (DELIVERY_ENGINE_WEBHOOK_SECRET). It does not cover the job.
 * - The job's own key, sent at creation in `external_data.webhook.key` and shown in every event's job:
 *   `<serviceId>.<HMAC-SHA256(secret, serviceId + "\n" + client_reference)>`, derived rather than
 *   stored. Checked by recomputing it from the event's own `client_reference`, so a signed event
 *   carried onto another job's body is refused, no key sits in workflow history, and no lookup is needed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedFields {
  id: string;
  created_at: string;
  type: string;
}

/** Instaleap's signature of an event, as it sends it (lower-case hex). */
export function signatureFor(secret: string, { id, created_at, type }: SignedFields): string {
  return createHmac('sha256', secret).update(`${id}&${created_at}&${type}`).digest('hex');
}

/** Whether `presented` is the signature of those fields, compared in constant time. */
export function verifySignature(secret: string, presented: string | undefined, fields: SignedFields): boolean {
  if (!presented || !/^[0-9a-f]{64}$/i.test(presented.trim())) return false;
  const expected = Buffer.from(signatureFor(secret, fields), 'hex');
  const given = Buffer.from(presented.trim(), 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

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
