/**
 * Our ids. A delivery's serviceId is also its workflow id, derived from the platform's own key so
 * that a repeated request finds the same workflow and never starts a second one.
 */
import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
  }
  return out;
}

/**
 * VTEX: `vtex-<orderId, URL-safe, at most 40 chars>-<10 chars of sha256(carrierId, orderId)>`.
 * Readable for operators, unique per (carrierId, orderId), safe in URL paths. A later service of
 * the same order (a RETURN after the DELIVERY, a new request after a cancel: api/deliveries.ts)
 * is its `service`-th: the same readable part, the digest over the number too, so VTEX tells the
 * services apart and each finds its own workflow.
 */
export function vtexServiceId(carrierId: string, orderId: string, service = 1): string {
  const readable = orderId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const key = service === 1 ? `${carrierId}\u0000${orderId}` : `${carrierId}\u0000${orderId}\u0000${service}`;
  const digest = createHash('sha256').update(key).digest();
  return `vtex-${readable}-${base32(digest, 10)}`;
}

/** Abbiamo: `mkt-<delivery_id>` (delivery ids are validated URL-safe at intake). */
export function abbiamoServiceId(deliveryId: string): string {
  return `mkt-${deliveryId}`;
}

export const SERVICE_ID_PATTERN = /^(vtex|mkt)-[A-Za-z0-9._:-]{1,160}$/;

/**
 * A VTEX delivery's serviceId exactly as `vtexServiceId` makes it: at most 56 ASCII characters,
 * far under Temporal's workflow-id limit (1,000 bytes on a default server), and never an Abbiamo
 * delivery's (`mkt-`). VTEX's Cancel and Pause are checked against it before any call to Temporal.
 */
export const VTEX_SERVICE_ID_PATTERN = /^vtex-[A-Za-z0-9._-]{1,40}-[a-z2-7]{10}$/;

/** Job ids up to this many bytes name their stray-job workflow as they are. */
const STRAY_JOB_ID_BYTES = 200;

/**
 * The workflow that cancels a job its ended delivery never knew (api/deliveries.ts): one per job,
 * `stray-job-<jobId>`. The engine's job id is its own to choose: a longer one keeps a readable
 * head and adds 20 chars of sha256(jobId), so the id stays far under Temporal's workflow-id limit
 * (1,000 bytes on a default server) and still names one job.
 */
export function strayJobWorkflowId(jobId: string): string {
  if (Buffer.byteLength(jobId) <= STRAY_JOB_ID_BYTES) return `stray-job-${jobId}`;
  const head = jobId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `stray-job-${head}-${base32(createHash('sha256').update(jobId).digest(), 20)}`;
}
