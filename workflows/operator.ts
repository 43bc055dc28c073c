/**
 * Operators' commands to one delivery (the `operator` signal, also sent in bulk by batch
 * operations): handled in the inbox's order like any command, and written in the timeline with
 * who and why. Deterministic code only.
 */
import { patched } from '@temporalio/workflow';
import type { JobEvent } from '../contracts/deliveryEngine';
import type { DeliveryStatus, OperatorCommand } from '../contracts/delivery';
import type { ForceableStatus } from '../contracts/operations';
import type { OutgoingCall } from '../contracts/platformCalls';
import { positionOf, report, reportAgain, reportFirst, setStatus } from './reporting';
import { note, type Delivery } from './state';
import { forcedPosition, isTerminal } from './stateMachine';

/**
 * The statuses an operator may force, each with the carrier event that stands for it: the platform
 * is told exactly as of that event. CANCELED is a cancel (the job is canceled too), PENDING is
 * where every delivery starts: neither is forced.
 */
export const FORCEABLE_STATUSES = {
  ASSIGNED: 'ALLOCATED',
  PICKED: 'CHECKED_OUT',
  ON_ROUTE: 'GOING_TO_DESTINATION_STARTED',
  INCIDENT: 'INCIDENT',
  ON_HOLD: 'ON_HOLD',
  RETURNED: 'RETURNED',
  DELIVERED: 'CLIENT_RECEIVED',
} as const satisfies Record<ForceableStatus, string>;

export function isForceable(status: string): status is ForceableStatus {
  return Object.prototype.hasOwnProperty.call(FORCEABLE_STATUSES, status);
}

export async function handleOperator(d: Delivery, command: OperatorCommand & { at: string }): Promise<void> {
  const who = `operator ${command.by}`;
  switch (command.action) {
    case 'clear-flag':
      return clearFlag(d, `${who} cleared the flag: ${command.why}`);
    case 'resend-refused':
      return resendRefused(d, who, command.why);
    case 'force-status':
      return forceStatus(d, who, command.status, command.why, command.at);
    case 'repair':
      return repair(d, who, command.drift, command.why);
  }
}

/**
 * The operator has seen to it: the flag goes, and so do the reports the platform refused (an ended
 * delivery kept open for them then closes). To send them again instead: `resend-refused`.
 */
function clearFlag(d: Delivery, line: string): void {
  const { state } = d;
  state.needsAttention = false;
  delete state.lastError;
  const dismissed = state.refused.splice(0);
  note(d, 'note', dismissed.length > 0 ? `${line} (${dismissed.length} refused report(s) dismissed)` : line);
  d.publisher.publish();
}

async function resendRefused(d: Delivery, who: string, why: string): Promise<void> {
  const refused = d.state.refused.splice(0);
  if (refused.length === 0) {
    note(d, 'note', `${who} asked to re-send refused reports (${why}): there are none`);
    return;
  }
  // The operator fixed the cause: the flag goes; a report refused again flags the delivery again.
  clearFlag(d, `${who} re-sends ${refused.length} refused report(s): ${why}`);
  if (patched('resend-refused-in-order')) reportFirst(d, stillDue(d, refused));
  else reportAgain(d, refused);
}

/**
 * The refused calls as they are due now. They were decided before everything still in the outbox,
 * so they go ahead of it (reportFirst). A status the platform has since been given a later one of
 * (taken, queued, or refused after it) is stale: sent again it would move the platform back (VTEX
 * left at PICKED while the delivery ended DELIVERED). What else it carried still goes.
 */
function stillDue(d: Delivery, refused: OutgoingCall[]): OutgoingCall[] {
  const { reporter, state } = d;
  const setsStatus = (entry: OutgoingCall) => reporter.setsStatus?.(entry.call) ?? false;
  const newestAhead = Math.max(state.statusTakenSeq ?? 0, ...state.outbox.filter(setsStatus).map((e) => e.seq ?? 0));
  let stale = 0;
  const due = refused.flatMap((entry, i) => {
    const later = (entry.seq ?? 0) < newestAhead || refused.slice(i + 1).some(setsStatus);
    if (!setsStatus(entry) || !later) return [entry];
    stale += 1;
    const rest = reporter.withoutStaleStatus?.(entry.call);
    return rest ? [{ ...entry, call: rest }] : [];
  });
  if (stale > 0)
    note(
      d,
      'note',
      `${stale} refused status report(s) not sent again as a status: a later status reached the platform`,
    );
  return due;
}

async function forceStatus(d: Delivery, who: string, status: DeliveryStatus, why: string, at: string): Promise<void> {
  const { state } = d;
  if (!state.job || isTerminal(state.status) || !isForceable(status)) {
    const because = !isForceable(status)
      ? `${status} cannot be forced (a cancel cancels, every delivery starts PENDING)`
      : !state.job
        ? 'the delivery has no job yet'
        : `the delivery already ended ${state.status}`;
    note(d, 'note', `${who} asked to force ${status} (${why}): refused, ${because}`);
    return;
  }
  if (status === state.status) {
    note(d, 'note', `${who} asked to force ${status} (${why}): already ${status}`);
    return;
  }
  // What the carrier would have sent for that status: the platform hears it as any other event. Its
  // id names the status too: two commands handled in one workflow task share their time.
  const event: JobEvent = {
    id: `operator:${at}:${status}`,
    type: FORCEABLE_STATUSES[status],
    created_at: at,
    job: { id: state.job.jobId, client_reference: d.input.spec.clientReference },
  };
  const agentEverAssigned = state.agentAssigned;
  setStatus(d, forcedPosition(positionOf(d), status), `forced by ${who}: ${why}`);
  report(d, d.reporter.callsForEvent(event, { movedTo: status, current: status, agentEverAssigned, reason: why }), {
    eventAt: event.created_at,
  });
}

async function repair(d: Delivery, who: string, drift: string[], why: string): Promise<void> {
  const calls = d.reporter.repair(d.state.sent.map((entry) => entry.call));
  note(
    d,
    'note',
    `${who} repairs the platform's record (${drift.join('; ') || why}): ${calls.length} call(s) sent again`,
  );
  report(d, calls, { resent: true });
}
