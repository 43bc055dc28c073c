/**
 * Rate quotes for VTEX's checkout (POST /vtex/rates): the earliest Instaleap slot fitting the cart's
 * window, asked by the intake itself through the plain engine client (no workflow: docs/specification.md "Rates"
 * says why, measured), priced by the carrier's rate card (Instaleap's slots carry no price), in
 * cents, and answered from a bounded cache when the same cart asks again within a short time.
 * A quote starts nothing and creates no job; the slot it saw lapses on its own.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import type { SlotClient } from '../activities/clients/deliveryEngine';
import { FailureType } from '../activities/failures';
import type { ChosenSlot } from '../contracts/deliveryEngine';
import type { DeliveryInput } from '../contracts/delivery';
import type { Logger } from '../observability/logger';
import { HttpError, unavailable } from './errors';

export interface RateQuoterOptions {
  slots: SlotClient;
  /** How long an identical quote is answered from the cache (never past the slot's own expiry). */
  ttlMs?: number;
  /** Most quotes kept at once; the least recently used go first. */
  maxEntries?: number;
  /** The whole engine call, connection included: past it, a 503. */
  timeoutMs?: number;
  /** Where a refusal is logged (its type and the partner's codes, never its text). */
  logger?: Pick<Logger, 'warn'>;
}

export const RATE_DEFAULTS = { ttlMs: 60_000, maxEntries: 10_000, timeoutMs: 2500 } as const;

type Slot = Pick<ChosenSlot, 'from' | 'to' | 'expires_at' | 'priceCents' | 'currency'>;

export interface Quote {
  slot: Slot;
  cached: boolean;
}

/** Types of engine failure that say "this cart cannot be served", not "try again". */
const REFUSALS: readonly string[] = [
  FailureType.BadRequest,
  FailureType.Refused,
  FailureType.Conflict,
  FailureType.NotFound,
  FailureType.SlotExpired,
];

export class RateQuoter {
  private readonly cache: LRUCache<string, Slot>;
  /** Identical quotes under way share one engine call. */
  private readonly inFlight = new Map<string, Promise<Slot>>();
  private readonly ttlMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: RateQuoterOptions) {
    this.ttlMs = options.ttlMs ?? RATE_DEFAULTS.ttlMs;
    this.timeoutMs = options.timeoutMs ?? RATE_DEFAULTS.timeoutMs;
    this.cache = new LRUCache({ max: options.maxEntries ?? RATE_DEFAULTS.maxEntries, ttl: this.ttlMs });
  }

  /** How many quotes the cache holds now. */
  get size(): number {
    return this.cache.size;
  }

  async quote(input: DeliveryInput, now: number): Promise<Quote> {
    const key = quoteKey(input);
    const hit = this.cache.get(key);
    if (hit) return { slot: hit, cached: true };
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(input).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const slot = await pending;
    const ttl = Math.min(this.ttlMs, Date.parse(slot.expires_at) - now);
    if (ttl > 0) this.cache.set(key, slot, { ttl });
    return { slot, cached: false };
  }

  private async ask(input: DeliveryInput): Promise<Slot> {
    try {
      const slot = await this.options.slots.findSlot(input.spec.availability, { timeoutMs: this.timeoutMs });
      return {
        from: slot.from,
        to: slot.to,
        expires_at: slot.expires_at,
        priceCents: slot.priceCents,
        currency: slot.currency,
      };
    } catch (err) {
      throw quoteFailure(err, input, this.options.logger);
    }
  }
}

/**
 * The engine's failure as our answer: a refusal (4xx but credentials) means no slot can serve this
 * cart or window, a 422 naming the window when one was asked; everything else is a 503 to retry.
 * The engine's own words stay here: they may name the customer, and VTEX shows our answer on to
 * shoppers and sellers. The log keeps the failure's type and the partner's codes (its details,
 * built by activities/failures.ts without personal data), not its message.
 */
function quoteFailure(err: unknown, input: DeliveryInput, logger?: Pick<Logger, 'warn'>): HttpError {
  if (err instanceof ApplicationFailure && err.type && REFUSALS.includes(err.type)) {
    logger?.warn({ failure: err.type, details: err.details ?? [] }, 'the Delivery Engine refused a rate quote');
    const window = Boolean(input.spec.availability.window);
    return new HttpError(422, 'No delivery slot can serve this request', [
      {
        path: window ? 'receiver.deliveryWindow' : '(body)',
        message: `the Delivery Engine offers no slot for this ${window ? 'window' : 'request'}`,
      },
    ]);
  }
  return unavailable('The Delivery Engine did not quote in time; retry');
}

/** The normalised request: what the slot and the price depend on (places, items, window, seller, currency). */
export function quoteKey(input: DeliveryInput): string {
  const { origin, destination, job_items, window, seller, currency_code } = input.spec.availability;
  const normalised = canonical({
    origin,
    destination,
    items: job_items,
    window: window ?? null,
    seller: seller ?? null,
    currency: currency_code,
  });
  return createHash('sha256').update(normalised).digest('base64url');
}

/** JSON with object keys sorted, so the same request always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
