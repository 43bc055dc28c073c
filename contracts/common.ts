/** Small schema pieces every contract shares. */
import { z } from 'zod';

/** An ISO 8601 timestamp with a zone (AWSDateTime in VTEX's schema), e.g. 2022-04-25T18:06:41.202Z. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** "Blank fields are included as null instead of being omitted" (VTEX's guide): optional means nullish. */
export const optionalString = z.string().nullish();
export const optionalNumber = z.number().nullish();

/**
 * Whether a text holds a control character (C0 or DEL); tab, CR and LF count only when
 * `breaksToo`. A loop, not a regex: linear, and lint keeps control characters out of patterns.
 */
export function hasControlCharacter(text: string, breaksToo: boolean): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x7f) return true;
    if (code < 0x20 && (breaksToo || (code !== 0x09 && code !== 0x0a && code !== 0x0d))) return true;
  }
  return false;
}

/** Free text of at most `max` characters (comments, reasons), nullish like every optional field. */
export function boundedText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasControlCharacter(s, false), 'must not contain control characters');
}

/** One line of at most `max` characters (names, cities, phones, ids of others). */
export function boundedLine(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasControlCharacter(s, true), 'must be one line without control characters');
}

/**
 * A country as partners write it: a name or a code ("Brazil", "BRA", "Côte d'Ivoire", "St. Lucia"):
 * letters, spaces, dots, apostrophes, hyphens and parentheses, starting with a letter. The country
 * picks the currency and goes to the engine: "__proto__" or "1 constructor" is no country.
 */
const COUNTRY_PATTERN = /^\p{L}[\p{L}\p{M} .'’()-]*$/u;
export const COUNTRY_MESSAGE = "must be a country name or code (letters, spaces, . ' - ( ))";
/** Whether `text` (trimmed) reads as a country; the names of Object.prototype's members never do. */
export function isCountry(text: string): boolean {
  const t = text.trim();
  return COUNTRY_PATTERN.test(t) && !Object.prototype.hasOwnProperty.call(Object.prototype, t);
}

/** A `{path, message}` list, the `details` of every 400 we answer. */
export interface FieldError {
  path: string;
  message: string;
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}
