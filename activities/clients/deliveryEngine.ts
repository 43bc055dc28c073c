/**
 * The Delivery Engine's availability as a plain client: no Temporal activity context, so the intake
 * can quote a rate with it (api/rates.ts) and the activities find a job's slot with it
 * (activities/deliveryEngine.ts). Answers are checked against the contract schemas: an engine that
 * answers garbage is an error, never trusted.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import {
  AvailabilityResponse,
  type AvailabilityRequest,
  type ChosenSlot,
  type DeliveryWindow,
  type Slot,
  type SlotSearch,
} from '../../contracts/deliveryEngine';
import { SEARCH_WINDOW_MAX_MS } from '../../contracts/instaleapChoices';
import type { RateCard } from '../../contracts/rateCard';
import { priceCents } from '../../mapping/rateCard';
import { FailureType } from '../failures';
import type { HttpClient } from '../http';

/** What the carrier configured for every slot search (config/index.ts `deliveryEngine`). */
export interface SlotSettings {
  storeReference: string;
  sellerStores: Record<string, string>;
  operationalModels: string[];
  slotSizeMinutes: number;
  rateCard: RateCard;
}

export interface EngineClientDeps {
  engine: HttpClient;
  apiKey: string;
  settings: SlotSettings;
}

/** What the workflow's slot search waits for the engine (an activity retries after it). */
export const AVAILABILITY_TIMEOUT_MS = 3000;

/** Every Instaleap call carries the API key so. */
export function engineAuth(apiKey: string): Record<string, string> {
  return { 'x-api-key': apiKey };
}

/** The engine's answer checked against its contract; a mismatch is a retryable InvalidResponse. */
export function parsedAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidResponse,
      message: `Delivery Engine ${what} answered an unexpected body: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      nonRetryable: false,
    });
  }
  return result.data;
}

/** The store that serves a seller: its own from the map, else the default. */
export function storeFor(settings: Pick<SlotSettings, 'storeReference' | 'sellerStores'>, seller?: string): string {
  return (
    (seller !== undefined && Object.hasOwn(settings.sellerStores, seller) && settings.sellerStores[seller]) ||
    settings.storeReference
  );
}

/**
 * The availability request for a delivery: a search from its window's start (never before now) to
 * its end, at most Instaleap's 7 days; without a window, the next 7 days.
 */
export function availabilityRequest(search: SlotSearch, settings: SlotSettings, now: number): AvailabilityRequest {
  const windowStart = search.window ? Date.parse(search.window.starts_at) : now;
  const start = Math.max(now, windowStart);
  const windowEnd = search.window ? Date.parse(search.window.ends_at) : Infinity;
  const end = Math.min(windowEnd, start + SEARCH_WINDOW_MAX_MS);
  return {
    currency_code: search.currency_code,
    start: new Date(start).toISOString(),
    end: new Date(Math.max(end, start + 60_000)).toISOString(),
    slot_size: settings.slotSizeMinutes,
    operational_models_priority: settings.operationalModels,
    store_reference: storeFor(settings, search.seller),
    origin: search.origin,
    destination: search.destination,
    job_items: search.job_items,
  };
}

/** The earliest slot that fits the window whole (none given: the earliest), still held at `now`. */
export function fittingSlot(slots: readonly Slot[], window: DeliveryWindow | undefined, now: number): Slot | undefined {
  const from = window ? Date.parse(window.starts_at) : -Infinity;
  const to = window ? Date.parse(window.ends_at) : Infinity;
  return slots
    .filter((s) => Date.parse(s.from) >= from && Date.parse(s.to) <= to && Date.parse(s.expires_at) > now)
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || Date.parse(a.to) - Date.parse(b.to))[0];
}

export interface SlotClient {
  /**
   * POST /jobs/availability/v2, then the earliest slot fitting the delivery's window, priced by the
   * rate card. No slot fits: a non-retryable Refused failure naming the window and what was offered.
   */
  findSlot(search: SlotSearch, options?: { timeoutMs?: number }): Promise<ChosenSlot>;
}

export function createSlotClient({ engine, apiKey, settings }: EngineClientDeps): SlotClient {
  const auth = engineAuth(apiKey);
  return {
    async findSlot(search, options = {}) {
      const now = Date.now();
      const request = availabilityRequest(search, settings, now);
      const { body } = await engine.expectOk({
        method: 'POST',
        path: '/jobs/availability/v2',
        json: request,
        headers: auth,
        timeoutMs: options.timeoutMs ?? AVAILABILITY_TIMEOUT_MS,
      });
      const slots = parsedAnswer(AvailabilityResponse, body, 'POST /jobs/availability/v2');
      const slot = fittingSlot(slots, search.window, now);
      if (!slot) throw noSlotFits(search.window, slots, request);
      return {
        slot_id: slot.id,
        from: slot.from,
        to: slot.to,
        expires_at: slot.expires_at,
        operational_model: slot.operational_model,
        priceCents: priceCents(settings.rateCard, slot.operational_model, search),
        currency: settings.rateCard.currency,
      };
    },
  };
}

function noSlotFits(window: DeliveryWindow | undefined, slots: readonly Slot[], request: AvailabilityRequest) {
  const wanted = window ? `the delivery window ${window.starts_at}..${window.ends_at}` : 'any time';
  const offered = slots.length
    ? `offered ${slots.length}: ${slots
        .slice(0, 3)
        .map((s) => `${s.from}..${s.to}`)
        .join(', ')}${slots.length > 3 ? ', ...' : ''}`
    : 'offered none';
  return ApplicationFailure.create({
    type: FailureType.Refused,
    message: `No Delivery Engine slot fits ${wanted} at store ${request.store_reference} (searched ${request.start}..${request.end}; ${offered})`,
    nonRetryable: true,
    details: [{ kind: 'no-slot-fits', window: window ?? null, offered: slots.length }],
  });
}
