/**
 * The carrier's rate card (RATE_CARD_FILE, config/rate-card.json shows one): Instaleap's slots carry
 * no price, yet VTEX's Create answer and its rates need one, and Abbiamo's confirmation takes one.
 * Every amount is in cents of `currency` (VTEX takes money in cents, Abbiamo too).
 */
import { z } from 'zod';

const cents = z.number().int('must be whole cents').nonnegative();

/** Marginal bands: each unit (km, kg) is charged at the rate of the band it falls in; `up_to: null` is the last. */
const Bands = z
  .array(z.object({ up_to: z.number().positive().nullable(), cents_each: cents }))
  .min(1)
  .refine((bands) => bands.at(-1)!.up_to === null, 'the last band must have up_to: null')
  .refine(
    (bands) => bands.slice(0, -1).every((b, i) => b.up_to !== null && (i === 0 || b.up_to > bands[i - 1]!.up_to!)),
    'bands must rise: each up_to above the one before, only the last one null',
  );

export const Tariff = z.object({ base_fee: cents, per_km: Bands, per_kg: Bands });
export type Tariff = z.infer<typeof Tariff>;

export const RateCard = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  /** distance assumed when an address has no coordinates */
  assumed_km: z.number().positive().default(5),
  /** the tariff of an operational model the card does not list */
  default: Tariff,
  operational_models: z.record(z.string(), Tariff).default({}),
});
export type RateCard = z.infer<typeof RateCard>;
