/**
 * The one place that decides which outside failures are worth a retry. Activities throw these
 * ApplicationFailures; the workflow reads `type` (SlotExpired, Conflict, ...) to choose what next.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';

export { FailureType, NON_RETRYABLE } from '../contracts/failures';

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
  const details = [{ status, body: summarize(outcome.body) }];
  const fail = (type: FailureType, nonRetryable: boolean) =>
    ApplicationFailure.create({ type, message: `${where}: ${describeBody(outcome.body)}`, nonRetryable, details });
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

function describeBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; errors?: unknown; details?: unknown };
    const parts = [
      typeof b.message === 'string' ? b.message : undefined,
      b.errors ? JSON.stringify(b.errors) : undefined,
      b.details ? JSON.stringify(b.details) : undefined,
    ];
    const text = parts.filter(Boolean).join(' ');
    if (text) return text.slice(0, 500);
  }
  return typeof body === 'string' ? body.slice(0, 200) : 'no details';
}

function summarize(body: unknown): unknown {
  const text = JSON.stringify(body ?? null);
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : body;
}
