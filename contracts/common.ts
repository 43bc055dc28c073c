/** Small schema pieces every contract shares. */
import { z } from 'zod';

/** An ISO 8601 timestamp with a zone (AWSDateTime in VTEX's schema), e.g. 2022-04-25T18:06:41.202Z. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** "Blank fields are included as null instead of being omitted" (seed 003): optional means nullish. */
export const optionalString = z.string().nullish();
export const optionalNumber = z.number().nullish();

/** No control characters (tab and line breaks aside): what one field of text may hold. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** One line: no control characters at all, line breaks included. */
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f]/;

/** Free text of at most `max` characters (comments, reasons), nullish like every optional field. */
export function boundedText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');
}

/** One line of at most `max` characters (names, cities, phones, ids of others). */
export function boundedLine(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_OR_BREAK.test(s), 'must be one line without control characters');
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
