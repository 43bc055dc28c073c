/**
 * The marketplace's status callbacks (seed 002, CONTRACT.md section 6):
 * `POST {MARKETPLACE_URL}/deliveries/{delivery_id}/events` with exactly the headers its
 * DELIVERY_REQUEST carried in `logistic_data.headers`. Those headers arrive sealed in the workflow
 * input and are opened here, in memory, for the one request: never returned, logged or put in an
 * error message.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { StatusCallback } from '../contracts/marketplace';
import { marketplaceServiceId } from '../mapping/ids';
import type { Sealer } from '../security/sealing';
import type { MarketplaceTarget } from '../contracts/delivery';
import { failureFor, FailureType } from './failures';
import type { HttpClient } from './http';

const CALL_TIMEOUT_MS = 10_000;
/** A 404 is retried this many attempts (about 15 s): the marketplace may file the delivery after sending it. */
const NOT_FOUND_RETRY_ATTEMPTS = 5;
/** A 401/403 is retried this many attempts (about 4 min): only the marketplace can fix its headers. */
const UNAUTHORIZED_RETRY_ATTEMPTS = 10;

export interface MarketplaceDeps {
  marketplace: HttpClient;
  sealer: Sealer;
}

export function createMarketplaceActivities({ marketplace, sealer }: MarketplaceDeps) {
  function headersOf(target: MarketplaceTarget): Record<string, string> {
    try {
      // Bound to the delivery at intake: a sealed value copied to another delivery does not open.
      return sealer.unsealJson<Record<string, string>>(target.sealedHeaders, marketplaceServiceId(target.deliveryId));
    } catch (err) {
      throw ApplicationFailure.create({
        type: FailureType.SecretUnreadable,
        message: `the callback headers of delivery ${target.deliveryId} cannot be unsealed (was SECRETS_KEY changed?): ${err instanceof Error ? err.message : 'unknown error'}`,
        nonRetryable: true,
      });
    }
  }

  return {
    async marketplaceSendStatus(target: MarketplaceTarget, callback: StatusCallback): Promise<{ outcome: 'sent' }> {
      const path = `/deliveries/${encodeURIComponent(target.deliveryId)}/events`;
      const response = await marketplace.send({
        method: 'POST',
        path,
        json: callback,
        headers: headersOf(target),
        timeoutMs: CALL_TIMEOUT_MS,
      });
      if (response.status >= 200 && response.status < 300) return { outcome: 'sent' };
      throw failureFor(
        { system: 'Marketplace', method: 'POST', path, status: response.status, body: response.body },
        {
          notFoundRetryable: attempt() <= NOT_FOUND_RETRY_ATTEMPTS,
          unauthorizedRetryable: attempt() <= UNAUTHORIZED_RETRY_ATTEMPTS,
        },
      );
    },
  };
}

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (unit tests)
  }
}

export type MarketplaceActivities = ReturnType<typeof createMarketplaceActivities>;
