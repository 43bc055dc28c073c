/**
 * Sending the platform what the delivery did, in order. Transient faults are retried inside the
 * activities (their proxies are with the reporters); what reaches here failed for good, and flags
 * the delivery. Reports wait in the outbox and leave through their own lane, so a platform that
 * keeps refusing holds back no cancel or pause; one still failing after a while flags the delivery.
 */
import { condition, log } from '@temporalio/workflow';
import type { OutgoingCall, PlatformCall } from '../contracts/platformCalls';
import { failureMessage, failureType } from './failures';
import { flag, keep, note, unflag, type Delivery } from './state';
import type { StatusPosition } from './stateMachine';

/**
 * Queues the calls; the outbox lane sends them in order. `eventAt`: the carrier event they report;
 * `resent`: copies of calls the platform took before (a repair), not kept for repair again.
 */
export function report(d: Delivery, calls: PlatformCall[], envelope: Omit<OutgoingCall, 'call' | 'seq'> = {}): void {
  const { state } = d;
  state.outbox.push(...calls.map((call) => ({ ...envelope, call, seq: (state.callSeq = (state.callSeq ?? 0) + 1) })));
}

/** Queues calls already in their envelopes at the end of the outbox (runs recorded before `resend-refused-in-order`, workflows/operator.ts). */
export function reportAgain(d: Delivery, entries: OutgoingCall[]): void {
  d.state.outbox.push(...entries);
}

/**
 * Queues calls decided before everything waiting in the outbox (an operator's resend of refused
 * calls) ahead of it, behind only the call under way: the platform hears them in the order the
 * delivery decided them.
 */
export function reportFirst(d: Delivery, entries: OutgoingCall[]): void {
  const { outbox } = d.state;
  outbox.splice(d.sending !== undefined && outbox[0] === d.sending ? 1 : 0, 0, ...entries);
}

/**
 * The outbox lane: sends queued calls oldest first, for the whole run. While the run is draining
 * (about to continue as new) it starts no call, so the one under way finishes in this run and the
 * next run never sends it a second time beside it.
 */
export async function runOutbox(d: Delivery): Promise<never> {
  const { outbox } = d.state;
  for (;;) {
    // The platform takes no call before it confirmed our answer (a cancel during creation may queue one).
    await condition(() => outbox.length > 0 && d.state.confirmed && !d.draining);
    const entry = outbox[0]!;
    d.sending = entry;
    await reportOne(d, entry);
    d.sending = undefined;
    // By identity: a resend may have queued calls at the front meanwhile (reportFirst).
    const at = outbox.indexOf(entry);
    if (at >= 0) outbox.splice(at, 1);
  }
}

/** Stops the lane from starting calls and waits for the one under way (before a continue-as-new). */
export async function drainOutbox(d: Delivery): Promise<void> {
  d.draining = true;
  await condition(() => d.state.reportsInFlight === 0);
}

async function reportOne(d: Delivery, entry: OutgoingCall): Promise<void> {
  const { state } = d;
  const what = d.reporter.describe(entry.call);
  state.reportsInFlight += 1;
  try {
    await withPatience(d, what, d.reporter.execute(entry.call, entry.eventAt));
    // A repair's own calls are copies of kept ones: kept once.
    if (d.reporter.keptForRepair(entry.call) && !entry.resent) keep(state.sent, entry);
    if (entry.seq !== undefined && d.reporter.setsStatus?.(entry.call))
      state.statusTakenSeq = Math.max(state.statusTakenSeq ?? 0, entry.seq);
    note(d, 'report', what);
  } catch (err) {
    // Refused for good: kept for an operator's resend (the delivery stays open until then, see
    // workflows/delivery.ts), never acted on by itself. A platform that answers 404 for a while (an
    // incident, slow indexing) had its calls retried for hours first (activities/vtex.ts); whether
    // the delivery goes on or is canceled is an operator's call.
    const message = failureMessage(err);
    keep(state.refused, entry);
    flag(d, `${what} refused: ${message}`, { call: what, error: message });
    log.error('Platform refused a report; delivery flagged', {
      serviceId: d.input.serviceId,
      call: what,
      failure: failureType(err) ?? 'unknown',
    });
  } finally {
    state.reportsInFlight -= 1;
  }
}

/** Awaits a report; past the patience the delivery is flagged, and unflagged if it then goes through. */
async function withPatience(d: Delivery, what: string, sending: Promise<unknown>): Promise<void> {
  let settled = false;
  const done = sending.finally(() => {
    settled = true;
  });
  if (await condition(() => settled, d.tuning.reportAttentionAfterMs)) return done.then(() => undefined);
  const reason = `${what} not taken by the platform after ${Math.round(d.tuning.reportAttentionAfterMs / 1000)} s: still retrying`;
  flag(d, reason);
  await done;
  unflag(d, reason, 'report', `${what} went through after all: flag cleared`);
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
