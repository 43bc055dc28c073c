/**
 * The one place that decides which outside failures are worth a retry. Activities throw these
 * ApplicationFailures; the workflow reads `type` (SlotExpired, Conflict, ...) to choose what next.
 */
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { z } from 'zod';
import { FailureType } from '../contracts/failures';
import { describePartnerError, partnerErrorSummary, redactText } from '../security/redact';
import { attempt } from './attempt';

export { FailureType, NON_RETRYABLE } from '../contracts/failures';

/** Abbiamo's documented refusal codes (docs/marketplace.md): a retry would be refused the same way. */
export const ABBIAMO_REFUSALS = [
  'EVENT_AT_BEFORE_ORDER_CREATED_AT',
  'EVENT_AT_BEFORE_DELIVERY_CREATED_AT',
  'EVENT_CANNOT_BE_TERMINAL_AGAIN',
  'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS',
  'EVENT_NOT_IN_UPDATE_TIME_WINDOW',
] as const;

/**
 * The refusal code in an Abbiamo answer, wherever the body puts it (its docs name the codes, not
 * the field or the HTTP status): `code`, `error`, `error_code`, `message`, or any string in it.
 */
export function abbiamoRefusalOf(body: unknown): (typeof ABBIAMO_REFUSALS)[number] | undefined {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  return ABBIAMO_REFUSALS.find((code) => text.includes(code));
}

/** `Retry-After` in ms (seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number, capMs = 5 * 60_000): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - nowMs;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, capMs);
}

export interface HttpOutcome {
  system: string;
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/**
 * Classifies an HTTP answer that is not a success. 5xx, 429, 401/403 (credentials get renewed or
 * fixed by an operator) and 404 (VTEX confirms a service up to 5 s late) are retried; 400/422 is a
 * bug on our side and is not; 417 is a lapsed slot; 409 a conflict the workflow must resolve.
 * A caller whose credentials nobody renews (Abbiamo's headers are fixed by its event)
 * stops retrying 401/403 after a while with `unauthorizedRetryable: false`.
 */
export function failureFor(
  outcome: HttpOutcome,
  options: { notFoundRetryable?: boolean; unauthorizedRetryable?: boolean } = {},
): ApplicationFailure {
  const { status } = outcome;
  const where = `${outcome.system} ${outcome.method} ${outcome.path} answered ${status}`;
  // The SDK logs a failed activity's failure, details included: only what names no one is kept
  // of the partner's answer (status, codes, field paths: security/redact.ts), no secret either.
  const summary = partnerErrorSummary(outcome.body);
  const described = describePartnerError(summary);
  const details = [{ status, body: summary }];
  const fail = (type: FailureType, nonRetryable: boolean) =>
    ApplicationFailure.create({
      type,
      message: described ? `${where}: ${described}` : where,
      nonRetryable,
      details,
    });
  if (status === 400 || status === 422) return fail(FailureType.BadRequest, true);
  if (status === 401 || status === 403) return fail(FailureType.Unauthorized, !(options.unauthorizedRetryable ?? true));
  if (status === 404) return fail(FailureType.NotFound, !(options.notFoundRetryable ?? false));
  if (status === 409) return fail(FailureType.Conflict, true);
  if (status === 417) return fail(FailureType.SlotExpired, true);
  if (status === 408 || status === 429) return fail(FailureType.RateLimited, false);
  if (status >= 500) return fail(FailureType.ServerError, false);
  return fail(FailureType.Refused, true);
}

export function networkFailure(system: string, method: string, path: string, err: Error): ApplicationFailure {
  const code = (err as { code?: string }).code;
  return ApplicationFailure.create({
    type: FailureType.Network,
    message: `${system} ${method} ${path} failed: ${code ?? err.name}: ${err.message}`,
    nonRetryable: false,
  });
}

/**
 * Attempts an answer that does not parse, or an error nobody classified, gets: a partner's proxy
 * may answer garbage for a moment, a bug answers the same every time. Past these it is final, and
 * the workflow flags the delivery instead of retrying it for ever.
 */
export const UNEXPECTED_ATTEMPTS = 3;

/**
 * A partner's answer checked against `schema`. One that does not parse is a failed read: an
 * InvalidResponse, retried for `UNEXPECTED_ATTEMPTS` attempts, then final.
 */
export function parsedPartnerAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
  where: { system: string; method: string; path: string },
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({
    type: FailureType.InvalidResponse,
    message: `${where.system} ${where.method} ${where.path} answered a body that cannot be read: ${redactText(issues.slice(0, 500))}`,
    nonRetryable: attempt() >= UNEXPECTED_ATTEMPTS,
  });
}

/** Errors of the code itself: the same input throws them again on every attempt. */
const PROGRAMMING_ERRORS = ['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'ZodError'];

/**
 * What an activity throws, as the workflow sees it: Temporal's own failures (an ApplicationFailure
 * classified above, a cancellation) pass as they are; anything else is an `Unexpected` failure,
 * final at once for a programming error (a TypeError does not heal) and after
 * `UNEXPECTED_ATTEMPTS` otherwise (a client library's transient error). So no activity is retried
 * without bound for an error nobody classified.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof TemporalFailure) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const programming = PROGRAMMING_ERRORS.includes(error.name) || PROGRAMMING_ERRORS.includes(error.constructor.name);
  return ApplicationFailure.create({
    type: FailureType.Unexpected,
    message: `unexpected ${error.name}: ${redactText(error.message.slice(0, 500))}`,
    nonRetryable: programming || attempt() >= UNEXPECTED_ATTEMPTS,
  });
}

/** Every function of `activities`, its errors passed through `asActivityFailure`. */
export function withClassifiedFailures<T extends Record<string, unknown>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              throw asActivityFailure(err);
            }
          }
        : fn;
  }
  return wrapped as T;
}
