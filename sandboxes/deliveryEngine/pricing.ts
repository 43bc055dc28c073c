/**
 * The sandbox's slot arithmetic, where the seeds are silent: a price that is a plain, deterministic
 * function of distance and weight (so tests can predict it), and the next 2-hour delivery window.
 */
import type { AvailabilityRequest, EngineAddress } from '../../contracts/deliveryEngine';

/** Distance assumed when an address has no coordinates. */
export const DEFAULT_DISTANCE_M = 5000;
const BASE_PRICE = 2.5;
const PRICE_PER_KM = 0.9;
const PRICE_PER_KG = 0.35;
const WINDOW_MS = 2 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** Great-circle distance in metres, or DEFAULT_DISTANCE_M when either side lacks coordinates. */
export function distanceMetres(from: EngineAddress, to: EngineAddress): number {
  if (
    from.latitude === undefined ||
    from.longitude === undefined ||
    to.latitude === undefined ||
    to.longitude === undefined
  )
    return DEFAULT_DISTANCE_M;
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(to.latitude - from.latitude);
  const dLng = rad(to.longitude - from.longitude);
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(from.latitude)) * Math.cos(rad(to.latitude)) * Math.sin(dLng / 2) ** 2;
  return Math.round(2 * 6_371_000 * Math.asin(Math.sqrt(a)));
}

/** kilograms: weight_kg per unit times quantity */
export function totalWeightKg(items: AvailabilityRequest['items']): number {
  return items.reduce((sum, item) => sum + (item.weight_kg ?? 0) * item.quantity, 0);
}

/** Major currency units, two decimals: 2.50 + 0.90 per km + 0.35 per kg. */
export function slotPrice(distanceM: number, weightKg: number): number {
  return Math.round((BASE_PRICE + PRICE_PER_KM * (distanceM / 1000) + PRICE_PER_KG * weightKg) * 100) / 100;
}

/** The window asked for when it starts in the future, else the 2-hour slot from the next full hour. */
export function deliveryWindow(
  requested: AvailabilityRequest['window'],
  now: number,
): { starts_at: string; ends_at: string } {
  if (requested && Date.parse(requested.starts_at) > now) {
    return {
      starts_at: new Date(requested.starts_at).toISOString(),
      ends_at: new Date(requested.ends_at).toISOString(),
    };
  }
  const start = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { starts_at: new Date(start).toISOString(), ends_at: new Date(start + WINDOW_MS).toISOString() };
}
