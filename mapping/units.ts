/**
 * Unit conversions, one place for all of them. The Delivery Engine takes kilograms, centimetres
 * and major currency units (contracts/deliveryEngine.ts); VTEX sends weights and lengths as free
 * strings ("4 kg", "19"), Abbiamo sends grams, centimetres and cents, and times of day
 * with an offset ("14:00:00-03").
 */
import { MappingError } from './errors';

// Maps, not object literals: a caller's unit is looked up among these keys only, never among an
// object's inherited ones ("1 constructor" is no weight).
const WEIGHT_TO_KG: ReadonlyMap<string, number> = new Map([
  ['kg', 1],
  ['kgs', 1],
  ['kilo', 1],
  ['kilos', 1],
  ['g', 0.001],
  ['gr', 0.001],
  ['grs', 0.001],
  ['mg', 0.000001],
  ['lb', 0.45359237],
  ['lbs', 0.45359237],
  ['oz', 0.028349523125],
]);
const LENGTH_TO_CM: ReadonlyMap<string, number> = new Map([
  ['cm', 1],
  ['mm', 0.1],
  ['m', 100],
  ['in', 2.54],
]);

/** Longer than this is no quantity: refused before any pattern runs. */
const MAX_QUANTITY_CHARS = 64;
/**
 * Matched against the trimmed text, so no two neighbouring parts can take the same characters
 * (digits, then optional spaces, then letters): the match is linear in the input. The former
 * `^\s*(...)\s*([a-z]*)\s*$` backtracked quadratically on a long run of spaces.
 */
export const QUANTITY = /^(-?\d{1,15}(?:[.,]\d{1,15})?)\s*([a-zA-Z]{0,10})$/;

function parseQuantity(
  raw: string,
  path: string,
  units: ReadonlyMap<string, number>,
  defaultUnit: string,
  what: string,
): number {
  const expected = `(expected a number with an optional unit, e.g. "4 kg")`;
  if (raw.length > MAX_QUANTITY_CHARS)
    throw new MappingError(path, `is not a ${what}: longer than ${MAX_QUANTITY_CHARS} characters ${expected}`);
  const match = QUANTITY.exec(raw.trim());
  if (!match) throw new MappingError(path, `"${raw}" is not a ${what} ${expected}`);
  const value = Number(match[1]!.replace(',', '.'));
  const unit = (match[2] || defaultUnit).toLowerCase();
  const factor = units.get(unit);
  if (factor === undefined)
    throw new MappingError(path, `unknown unit "${match[2]}" (use ${[...units.keys()].join(', ')})`);
  if (value < 0) throw new MappingError(path, `${what} must not be negative`);
  return round(value * factor, 6);
}

/** VTEX weight string to kilograms. A bare number is taken as kilograms (docs/partners.md). */
export function weightToKg(raw: string | null | undefined, path: string): number | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  return parseQuantity(raw, path, WEIGHT_TO_KG, 'kg', 'weight');
}

/** VTEX length string to centimetres. A bare number is taken as centimetres. */
export function lengthToCm(raw: string | null | undefined, path: string): number | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  return parseQuantity(raw, path, LENGTH_TO_CM, 'cm', 'length');
}

export function gramsToKg(grams: number): number {
  return round(grams / 1000, 6);
}

export function centsToMajor(cents: number): number {
  return round(cents / 100, 2);
}

/**
 * A distance for VTEX's `totalDistanceTraveled`: whole kilometres. VTEX's OpenAPI says kilometres on
 * the field itself (int32, its example 2), its guide says "all distances in meters" for the protocol
 * at large; the field's own description wins, and a last-mile trip read as 2 metres would be wrong
 * by a thousand (docs/partners.md "VTEX"). The engine's events carry no distance today, so no PATCH
 * sends one yet; whatever sends one converts here.
 */
export function vtexDistanceTraveled(metres: number): number {
  return Math.max(0, Math.round(metres / 1000));
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const ISO_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/;

/** "-03" / "-0300" / "-03:00" / "Z" to "-03:00" / "+00:00". */
function normaliseOffset(raw: string): string {
  if (raw === 'Z') return '+00:00';
  const digits = raw.slice(1).replace(':', '');
  return `${raw[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

/** The UTC offset an ISO timestamp was written in ("2022-12-22T23:59:00.000-03:00" gives "-03:00"). */
export function isoOffsetOf(isoDateTime: string): string {
  const match = ISO_OFFSET.exec(isoDateTime);
  return match ? normaliseOffset(match[1]!) : '+00:00';
}

/**
 * A time of day ("14:00:00-03", "14:00", "14:00Z") on a calendar date ("2022-12-22") to an ISO
 * instant in UTC. A time without an offset is read in `defaultOffset`.
 */
export function timeOfDayOn(date: string, time: string, defaultOffset: string, path: string): string {
  const match = TIME_OF_DAY.exec(time.trim());
  if (!match || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new MappingError(path, `"${time}" is not a time of day (expected e.g. 14:00:00-03)`);
  const [hh, mm, ss = '00'] = [match[1]!, match[2]!, match[3]];
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59)
    throw new MappingError(path, `"${time}" is not a time of day (expected e.g. 14:00:00-03)`);
  const offset = match[4] ? normaliseOffset(match[4]) : defaultOffset;
  const instant = Date.parse(`${date}T${hh}:${mm}:${ss}${offset}`);
  if (Number.isNaN(instant)) throw new MappingError(path, `"${time}" has an impossible offset`);
  return new Date(instant).toISOString();
}
