/**
 * The one place that decides which outside failures are worth a retry. Activities throw these
 * ApplicationFailures; the workflow reads `type` (SlotExpired, Conflict, ...) to choose what next.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { describePartnerError, partnerErrorSummary } from '../security/redact';

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
 * A caller whose credentials nobody renews (the marketplace's headers are fixed by its event)
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
