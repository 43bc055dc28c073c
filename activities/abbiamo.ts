/**
 * Abbiamo's carrier status endpoints (docs/marketplace.md): `POST {MARKETPLACE_URL}/v1/delivery/<endpoint>`
 * with our carrier key (`x-abbiamo-carrier-key`, from configuration: never in history) and the
 * headers the delivery's DELIVERY_REQUEST carried in `logistic_data.headers`. Those headers arrive
 * sealed in the workflow input and are opened here, in memory, for the one request: never
 * returned, logged or put in an error message.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ABBIAMO_CARRIER_KEY_HEADER } from '../contracts/abbiamo';
import type { AbbiamoCall } from '../mapping/eventToAbbiamo';
import { abbiamoServiceId } from '../mapping/ids';
import type { Sealer } from '../security/sealing';
import type { AbbiamoTarget } from '../contracts/delivery';
import { attempt } from './attempt';
import { abbiamoRefusalOf, failureFor, FailureType, retryAfterMs } from './failures';
import type { HttpClient } from './http';

const CALL_TIMEOUT_MS = 10_000;
/** A 404 is retried this many attempts (about 15 s): Abbiamo may file the delivery after sending it. */
const NOT_FOUND_RETRY_ATTEMPTS = 5;
/** A 401/403 is retried this many attempts (about 4 min): only Abbiamo can fix its headers. */
const UNAUTHORIZED_RETRY_ATTEMPTS = 10;

export interface AbbiamoDeps {
  abbiamo: HttpClient;
  sealer: Sealer;
  /** our carrier key at Abbiamo (MARKETPLACE_CARRIER_KEY) */
  carrierKey: string;
  /**
   * The signed URL of a delivery's shipping label (labels/links.ts), added to `confirmed` as
   * `mail_label` when sent: signed here, with the key the workflow never sees, and never in history.
   */
  mailLabelUrl?: (serviceId: string) => string;
}

export function createAbbiamoActivities({ abbiamo, sealer, carrierKey, mailLabelUrl }: AbbiamoDeps) {
  function headersOf(target: AbbiamoTarget): Record<string, string> {
    try {
      // Bound to the delivery at intake: a sealed value copied to another delivery does not open.
      return sealer.unsealJson<Record<string, string>>(target.sealedHeaders, abbiamoServiceId(target.deliveryId));
    } catch (err) {
      throw ApplicationFailure.create({
        type: FailureType.SecretUnreadable,
        message: `the callback headers of delivery ${target.deliveryId} cannot be unsealed (was SECRETS_KEY changed?): ${err instanceof Error ? err.message : 'unknown error'}`,
        nonRetryable: true,
      });
    }
  }

  /** The event's headers, then ours: a header of the event named like our key never replaces it. */
  function abbiamoHeaders(target: AbbiamoTarget): Record<string, string> {
    const theirs = Object.entries(headersOf(target)).filter(
      ([name]) => name.toLowerCase() !== ABBIAMO_CARRIER_KEY_HEADER,
    );
    return { ...Object.fromEntries(theirs), [ABBIAMO_CARRIER_KEY_HEADER]: carrierKey };
  }

  return {
    /** One status of one delivery at Abbiamo; resolves once Abbiamo took it. */
    async abbiamoReport(target: AbbiamoTarget, call: AbbiamoCall): Promise<{ outcome: 'sent' }> {
      const path = `/v1/delivery/${call.endpoint}`;
      const label =
        call.endpoint === 'confirmed' && mailLabelUrl
          ? { mail_label: mailLabelUrl(abbiamoServiceId(target.deliveryId)) }
          : {};
      const response = await abbiamo.send({
        method: 'POST',
        path,
        json: { ...call.body, ...label },
        headers: abbiamoHeaders(target),
        timeoutMs: CALL_TIMEOUT_MS,
      });
      if (response.status >= 200 && response.status < 300) return { outcome: 'sent' };
      const outcome = { system: 'Abbiamo', method: 'POST', path, status: response.status, body: response.body };
      const code = response.status < 500 && response.status !== 429 ? abbiamoRefusalOf(response.body) : undefined;
      if (code) {
        throw ApplicationFailure.create({
          type: FailureType.AbbiamoRefused,
          message: `Abbiamo refused ${call.endpoint} of delivery ${target.deliveryId} (event_at ${call.body.event_at}): ${code}`,
          nonRetryable: true,
          details: [{ status: response.status, code }],
        });
      }
      const failure = failureFor(outcome, {
        notFoundRetryable: attempt() <= NOT_FOUND_RETRY_ATTEMPTS,
        unauthorizedRetryable: attempt() <= UNAUTHORIZED_RETRY_ATTEMPTS,
      });
      const header = response.headers?.['retry-after'];
      const waitMs = retryAfterMs(Array.isArray(header) ? header[0] : header, Date.now());
      if (!failure.nonRetryable && waitMs !== undefined) {
        // Abbiamo said when to come back: the next attempt waits that long, not the backoff.
        throw ApplicationFailure.create({
          type: failure.type ?? undefined,
          message: failure.message,
          details: failure.details as unknown[],
          nonRetryable: false,
          nextRetryDelay: waitMs,
        });
      }
      throw failure;
    },
  };
}

export type AbbiamoActivities = ReturnType<typeof createAbbiamoActivities>;
