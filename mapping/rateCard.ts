/**
 * A delivery's price from the carrier's rate card (contracts/rateCard.ts): base fee, then the
 * distance and the weight, each through its marginal bands. Pure; cents in, cents out.
 */
import type { EngineAddress, EngineItem } from '../contracts/deliveryEngine';
import type { RateCard, Tariff } from '../contracts/rateCard';

export interface PricedDelivery {
  origin: EngineAddress;
  destination: EngineAddress;
  job_items: EngineItem[];
}

/** Great-circle distance in km, or undefined when either side lacks coordinates. */
export function distanceKm(from: EngineAddress, to: EngineAddress): number | undefined {
  if (from.latitude === undefined || from.longitude === undefined) return undefined;
  if (to.latitude === undefined || to.longitude === undefined) return undefined;
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(to.latitude - from.latitude);
  const dLng = rad(to.longitude - from.longitude);
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(from.latitude)) * Math.cos(rad(to.latitude)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

/** Kilograms of the whole load: weight per unit times quantity. */
export function totalWeightKg(items: readonly EngineItem[]): number {
  return items.reduce((sum, item) => sum + (item.weight ?? 0) * item.quantity, 0);
}

function banded(amount: number, bands: Tariff['per_km']): number {
  let charged = 0;
  let from = 0;
  for (const band of bands) {
    const to = band.up_to ?? Infinity;
    if (amount > from) charged += (Math.min(amount, to) - from) * band.cents_each;
    from = to;
  }
  return charged;
}

/** The price in cents of the card's currency for this delivery under `operationalModel`. */
export function priceCents(card: RateCard, operationalModel: string, delivery: PricedDelivery): number {
  const tariff = card.operational_models[operationalModel] ?? card.default;
  const km = distanceKm(delivery.origin, delivery.destination) ?? card.assumed_km;
  return Math.round(
    tariff.base_fee + banded(km, tariff.per_km) + banded(totalWeightKg(delivery.job_items), tariff.per_kg),
  );
}
