/**
 * Sending the platform what the delivery did, in order. Transient faults are retried inside the
 * activities (their proxies are with the reporters); what reaches here failed for good, and flags
 * the delivery. Reports wait in the outbox and leave through their own lane, so a platform that
 * keeps refusing holds back no cancel or pause; one still failing after a while flags the delivery.
 */
import { condition, log } from '@temporalio/workflow';
import { FailureType } from '../contracts/failures';
import { failureMessage, isFailureOf } from './failures';
import { flag, keep, note, type Delivery } from './state';
import type { StatusPosition } from './stateMachine';

/** Queues the calls (in the lane), or sends them one by one (runs recorded before the lane). */
export async function report(d: Delivery, calls: unknown[]): Promise<void> {
  if (d.reportLane) {
    (d.state.outbox ??= []).push(...calls);
    return;
  }
  for (const call of calls) await reportOne(d, call);
}

/** The outbox lane: sends queued calls oldest first, for the whole run. */
export async function runOutbox(d: Delivery): Promise<never> {
  const outbox = (d.state.outbox ??= []);
  for (;;) {
    // The platform takes no call before it confirmed our answer (a cancel during creation may queue one).
    await condition(() => outbox.length > 0 && d.state.confirmed);
    await reportOne(d, outbox[0]);
    outbox.shift();
  }
}

async function reportOne(d: Delivery, call: unknown): Promise<void> {
  const { state } = d;
  const what = d.reporter.describe(call);
  state.reportsInFlight += 1;
  try {
    await withPatience(d, what, d.reporter.execute(call));
    state.platformAcknowledged = true;
    if (d.reporter.keptForRepair(call)) keep((state.sent ??= []), call);
    note(d, 'report', what);
  } catch (err) {
    const message = failureMessage(err);
    keep((state.refused ??= []), call);
    flag(d, `${what} refused: ${message}`, { call: what, error: message });
    log.error('Platform refused a report; delivery flagged', {
      serviceId: d.input.serviceId,
      call: what,
      error: message,
    });
    if (d.reportLane && !state.platformAcknowledged && isFailureOf(err, [FailureType.NotFound])) {
      // The platform never knew this delivery (our Create answer never reached it): no driver may
      // carry an order the platform does not have. Its job is canceled like any other cancel.
      state.inbox.unshift({
        kind: 'command',
        command: { kind: 'cancel', reason: 'the platform never confirmed this service', at: new Date().toISOString() },
      });
    }
  } finally {
    state.reportsInFlight -= 1;
  }
}

/** Awaits a report; past the patience the delivery is flagged, and unflagged if it then goes through. */
async function withPatience(d: Delivery, what: string, sending: Promise<unknown>): Promise<void> {
  if (!d.reportLane) {
    await sending;
    return;
  }
  let settled = false;
  const done = sending.finally(() => {
    settled = true;
  });
  if (await condition(() => settled, d.tuning.reportAttentionAfterMs)) return done.then(() => undefined);
  const reason = `${what} not taken by the platform after ${Math.round(d.tuning.reportAttentionAfterMs / 1000)} s: still retrying`;
  flag(d, reason);
  await done;
  if (d.state.lastError === reason) {
    d.state.needsAttention = false;
    note(d, 'report', `${what} went through after all: flag cleared`);
    d.publisher.publish();
  }
}

/** Moves the delivery to `next` (already decided by the state machine), with the timeline line. */
export function setStatus(d: Delivery, next: StatusPosition, why: string): void {
  const { state } = d;
  const changed = next.status !== state.status;
  if (changed) note(d, 'status', `${state.status} -> ${next.status}: ${why}`, { status: next.status });
  if (changed) state.progressAt = new Date().toISOString();
  state.status = next.status;
  state.rankBeforeInterruption = next.rankBeforeInterruption;
  if (changed) d.publisher.publish();
}

export function positionOf(d: Delivery): StatusPosition {
  return { status: d.state.status, rankBeforeInterruption: d.state.rankBeforeInterruption };
}
