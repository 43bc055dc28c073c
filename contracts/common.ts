/** Small schema pieces every contract shares. */
import { z } from 'zod';

/** An ISO 8601 timestamp with a zone (AWSDateTime in VTEX's schema), e.g. 2022-04-25T18:06:41.202Z. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** "Blank fields are included as null instead of being omitted" (seed 003): optional means nullish. */
export const optionalString = z.string().nullish();
export const optionalNumber = z.number().nullish();

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
