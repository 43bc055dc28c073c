/**
 * Sending the platform what the delivery did, one call at a time, in order. Transient faults are
 * retried inside the activities (their proxies are with the reporters); what reaches here failed
 * for good, and flags the delivery.
 */
import { log } from '@temporalio/workflow';
import { failureMessage } from './failures';
import { flag, note, type Delivery } from './state';
import type { StatusPosition } from './stateMachine';

export async function report(d: Delivery, calls: unknown[]): Promise<void> {
  for (const call of calls) await reportOne(d, call);
}

async function reportOne(d: Delivery, call: unknown): Promise<void> {
  const what = d.reporter.describe(call);
  d.state.reportsInFlight += 1;
  try {
    await d.reporter.execute(call);
    note(d, 'report', what);
  } catch (err) {
    const message = failureMessage(err);
    flag(d, `${what} refused: ${message}`, { call: what, error: message });
    log.error('Platform refused a report; delivery flagged', {
      serviceId: d.input.serviceId,
      call: what,
      error: message,
    });
  } finally {
    d.state.reportsInFlight -= 1;
  }
}

/** Moves the delivery to `next` (already decided by the state machine), with the timeline line. */
export function setStatus(d: Delivery, next: StatusPosition, why: string): void {
  const { state } = d;
  const changed = next.status !== state.status;
  if (changed) note(d, 'status', `${state.status} -> ${next.status}: ${why}`, { status: next.status });
  state.status = next.status;
  state.rankBeforeInterruption = next.rankBeforeInterruption;
  if (changed) d.publisher.publish();
}

export function positionOf(d: Delivery): StatusPosition {
  return { status: d.state.status, rankBeforeInterruption: d.state.rankBeforeInterruption };
}
