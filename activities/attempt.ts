/** The current activity attempt: its number, and whether it is still the live one. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

export function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (unit tests)
  }
}

/**
 * Throws instead of letting a call leave when this attempt outlived its start-to-close timeout:
 * a worker stalled that long (a GC pause, a frozen VM) has been replaced, the attempt runs again
 * elsewhere, and later reports may already have gone. A status PATCH sent now would move the
 * platform back (VTEX's PATCH has no version to refuse it), so it is not sent. The window left
 * (a stall that starts after the request left) is closed by the drift repair (README "Operators").
 */
export function ensureAttemptLive(what: string): void {
  let info: Context['info'];
  try {
    info = Context.current().info;
  } catch {
    return; // outside an activity (unit tests of the call itself)
  }
  const deadline = info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs;
  if (info.startToCloseTimeoutMs > 0 && Date.now() > deadline)
    throw ApplicationFailure.create({
      type: 'AttemptOutlived',
      message: `${what} not sent: this attempt outlived its ${info.startToCloseTimeoutMs} ms timeout (the worker stalled)`,
      nonRetryable: false,
    });
}
