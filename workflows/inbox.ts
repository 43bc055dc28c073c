/**
 * The delivery's inbox: carrier events (from the engine's webhook) and platform commands (cancel,
 * pause), handled one at a time in arrival order. Deterministic code only.
 */
import type { JobEvent } from '../contracts/deliveryEngine';
import type {
  CancelOrder,
  DeliveryStatus,
  InboxItem,
  PickupRelease,
  PlatformCommand,
  ReceiverChange,
  WorkflowJobEvent,
} from '../contracts/delivery';
import { deliveryCodeOf, driverOf, ENDED_JOB_STATES, trackingUrlOf } from '../contracts/instaleapChoices';
import { engineCommands } from './activityOptions';
import { handleOperator } from './operator';
import { failureMessage } from './failures';
import { report, positionOf, setStatus } from './reporting';
import { firstSighting, flag, note, type Delivery } from './state';
import { decideMove, isCollected, isTerminal, statusForEventType } from './stateMachine';

/** Handles the oldest item of the inbox. */
export async function handleNext(d: Delivery): Promise<void> {
  const item = d.state.inbox.shift()!;
  if (item.kind === 'event') await handleEvent(d, item.event);
  else if (item.kind === 'operator') await handleOperator(d, item.command);
  else await handleCommand(d, item.command);
}

const isCancel = (item: InboxItem) => item.kind === 'command' && item.command.kind === 'cancel';

/**
 * A cancel sent during creation, carried out as soon as the job exists, after what arrived before
 * it (a carrier event, a pause), so the record keeps the order things happened in.
 */
export async function handlePendingCancel(d: Delivery): Promise<void> {
  const index = d.state.inbox.findIndex(isCancel);
  for (let handled = 0; handled <= index; handled += 1) await handleNext(d);
}

async function handleEvent(d: Delivery, event: WorkflowJobEvent): Promise<void> {
  const { state } = d;
  if (!firstSighting(d, event.id)) {
    note(d, 'event', `duplicate event ${event.id} (${event.type}) ignored`, { eventId: event.id });
    return;
  }
  if (event.trimmed?.length)
    flag(d, `event ${event.id} (${event.type}) came with more than it may carry: ${event.trimmed.join('; ')} left out`);
  if (!state.job && state.strayJobId !== event.job.id) await takeStrayJob(d, event.job.id);
  if (state.job && event.job.id !== state.job.jobId) {
    await strayBesideJob(d, event);
    return;
  }
  if (state.job) learnFromJob(d, event);
  if (isTerminal(state.status)) {
    // An ended delivery is not reported on again; the late event is only recorded.
    note(d, 'event', `${event.type} after the delivery ended ${state.status}: recorded, not reported`, {
      eventId: event.id,
    });
    return;
  }
  note(d, 'event', event.type, { eventId: event.id });

  const agentEverAssigned = state.agentAssigned;
  let movedTo: DeliveryStatus | undefined;
  const target = statusForEventType(event.type);
  if (target) {
    const decision = decideMove(positionOf(d), target);
    if (decision.kind === 'move') {
      movedTo = decision.to;
      setStatus(d, decision.position, `carrier event ${event.type}`);
    } else if (decision.kind === 'refuse') {
      note(d, 'event', `${event.type} changes nothing: ${decision.reason}`, { eventId: event.id });
    }
  }
  if (driverOf(event.job)) state.agentAssigned = true;
  report(d, d.reporter.callsForEvent(event, { movedTo, current: state.status, agentEverAssigned }), {
    eventAt: event.created_at,
  });
}

/**
 * An event of a job that creation never returned. The webhook's key and the job's reference say it
 * is this delivery's: a create was carried out by an attempt whose workflow task was lost (a worker
 * killed after its `POST /jobs`), while the attempt recorded failed before any create. The job is
 * kept as the delivery's stray job and canceled with it; one that comes after the delivery ended
 * is canceled at once. A driver never carries an order the platform was told is canceled.
 */
async function takeStrayJob(d: Delivery, jobId: string): Promise<void> {
  const { state } = d;
  state.strayJobId = jobId;
  note(d, 'error', `job ${jobId}, which creation never returned, told of by the engine: taken as this delivery's`);
  if (!isTerminal(state.status)) return;
  await cancelStray(d, jobId, `the delivery ended ${state.status} before its job was known`);
}

/**
 * An event of a second job while the delivery holds its own: a create whose answer was lost made
 * it (Instaleap does not promise one job per client_reference). It is canceled once, after the
 * engine confirms it carries this delivery's reference; its later events are only recorded.
 */
async function strayBesideJob(d: Delivery, event: JobEvent): Promise<void> {
  const { state } = d;
  if (state.strayJobId === event.job.id) {
    note(d, 'event', `${event.type} of stray job ${event.job.id}: recorded, not reported`, { eventId: event.id });
    return;
  }
  state.strayJobId = event.job.id;
  note(d, 'error', `event ${event.id} is for job ${event.job.id}, not ${state.job?.jobId}: a stray job`, {
    eventId: event.id,
  });
  await cancelStray(
    d,
    event.job.id,
    `a second job of delivery ${d.input.serviceId}, made by a create whose answer was lost`,
  );
}

/** Cancels a stray job once the engine says it is this delivery's and still live. */
async function cancelStray(d: Delivery, jobId: string, reason: string): Promise<void> {
  try {
    const engine = engineCommands(d.tuning.engineCommandTimeoutMs);
    const job = await engine.getJob(jobId);
    if (job.client_reference !== d.input.spec.clientReference) {
      flag(d, `job ${jobId} told of as this delivery's carries reference ${job.client_reference}: not touched`);
      return;
    }
    if (job.state && ENDED_JOB_STATES.includes(job.state)) {
      note(d, 'status', `stray job ${jobId} already ended ${job.state}: nothing to cancel`);
      return;
    }
    await engine.cancelJob(jobId, reason);
    note(d, 'status', `stray job ${jobId} canceled`);
  } catch (err) {
    flag(d, `stray job ${jobId} may still be live at the engine: its cancel failed (${failureMessage(err)})`);
  }
}

/** What the job itself tells of the delivery (unpublished fields, read when present). */
function learnFromJob(d: Delivery, event: JobEvent): void {
  const job = d.state.job!;
  const trackingUrl = trackingUrlOf(event.job);
  const deliveryCode = deliveryCodeOf(event.job);
  if (trackingUrl && trackingUrl !== job.trackingUrl) job.trackingUrl = trackingUrl;
  if (deliveryCode && deliveryCode !== job.deliveryCode) job.deliveryCode = deliveryCode;
}

async function handleCommand(d: Delivery, command: PlatformCommand): Promise<void> {
  if (command.kind === 'cancel') await cancel(d, command);
  else if (command.kind === 'receiver') await changeReceiver(d, command.change);
  else await pause(d, command.pause, command.reason, command.by);
}

/**
 * The platform's change of the receiver, carried to the live job; the timeline names what changed
 * (not the values: they are the receiver's personal data). Once the delivery ended, or without a
 * job, there is nothing to change; a refusal of the engine is flagged for an operator.
 */
async function changeReceiver(d: Delivery, change: ReceiverChange): Promise<void> {
  const { state } = d;
  const what = receiverFields(change).join(', ');
  if (isTerminal(state.status) || !state.job) {
    note(d, 'platform', `receiver change (${what}) ignored: the delivery is ${state.status}`);
    return;
  }
  try {
    await engineCommands(d.tuning.engineCommandTimeoutMs).updateRecipient({ jobId: state.job.jobId, change });
  } catch (err) {
    flag(
      d,
      `the Delivery Engine refused the receiver change (${what}) of job ${state.job.jobId}: ${failureMessage(err)}`,
    );
    return;
  }
  followReceiver(d, change);
  note(d, 'platform', `receiver changed by the platform: ${what}`);
}

/**
 * The platform's pickup PIN validated: the job created held in the store (mapping/abbiamoToJob.ts)
 * is released, within the platform's call. Answered again the same once released; the PIN itself
 * is never written to the timeline.
 */
export async function releasePickup(d: Delivery, pincode: string | undefined): Promise<PickupRelease> {
  const { state } = d;
  const { job } = d.input.spec;
  // Only the platform's own PIN creates a job with a blocking policy (mapping/abbiamoToJob.ts).
  if (job.payment_info.payment.blocking_policy === undefined) return { released: false, reason: 'no-pin' };
  if (state.pickupReleased) return { released: true };
  if (pincode !== undefined && pincode !== job.pick_up_code) {
    note(d, 'platform', 'pickup PIN validation with another PIN: the job stays held');
    return { released: false, reason: 'wrong-pin' };
  }
  if (isTerminal(state.status)) return { released: false, reason: 'ended' };
  if (!state.job) return { released: false, reason: 'no-job' };
  try {
    await engineCommands(d.tuning.engineCommandTimeoutMs).holdJob({
      jobId: state.job.jobId,
      payment: job.payment_info.payment,
      hold: false,
    });
  } catch (err) {
    flag(
      d,
      `the Delivery Engine refused to release job ${state.job.jobId} after the pickup PIN: ${failureMessage(err)}`,
    );
    return { released: false, reason: 'engine-refused' };
  }
  state.pickupReleased = true;
  note(d, 'platform', 'pickup PIN validated by the platform: the job left its hold');
  d.publisher.publish();
  return { released: true };
}

/**
 * The platform is told on `successful` who the parcel was for: the changed receiver from now on. The
 * target is part of the input, which continue-as-new carries, so the change outlives the run.
 */
function followReceiver(d: Delivery, change: ReceiverChange): void {
  const target = d.input.report;
  if (target.platform !== 'marketplace' || !target.receiver) return;
  const { name, identification } = change.recipient ?? {};
  if (name) target.receiver.name = name;
  if (identification) target.receiver.document = identification.number;
}

function receiverFields(change: ReceiverChange): string[] {
  const fields = Object.keys(change.recipient ?? {}).map((k) => (k === 'phone_number' ? 'phone' : k));
  if (change.destination) fields.push('address');
  return fields;
}

async function cancel(d: Delivery, { reason, onlyBeforeCollection, by }: CancelOrder): Promise<void> {
  const { state } = d;
  if (isTerminal(state.status)) {
    note(d, 'platform', `cancel refused: the delivery already ended ${state.status}`);
    return;
  }
  if (onlyBeforeCollection && isCollected(positionOf(d))) {
    // The platform cancels only before collection: the driver has the parcel, so an operator decides.
    flag(d, `cancel after collection (${state.status}) recorded, not carried out: ${reason}`);
    return;
  }
  const jobId = state.job?.jobId ?? state.strayJobId;
  if (jobId) {
    try {
      await engineCommands(d.tuning.engineCommandTimeoutMs).cancelJob(jobId, reason);
    } catch (err) {
      flag(d, `the Delivery Engine refused to cancel job ${jobId}: ${failureMessage(err)}`);
      return;
    }
  }
  if (by !== undefined) {
    // An operator's cancel: the platform did not ask for it, so it is told.
    setStatus(d, { status: 'CANCELED' }, `canceled by operator ${by}: ${reason}`);
    report(d, d.reporter.canceledByOperator(reason));
    return;
  }
  setStatus(d, { status: 'CANCELED' }, `canceled by the platform: ${reason}`);
  dropSupersededReports(d);
  report(d, d.reporter.canceledOnRequest(reason));
}

async function pause(d: Delivery, hold: boolean, reason: string, by?: string): Promise<void> {
  const { state } = d;
  if (isTerminal(state.status) || !state.job) {
    note(d, 'platform', `${hold ? 'pause' : 'resume'} ignored: the delivery is ${state.status}`);
    return;
  }
  if (hold === state.paused) {
    note(d, 'platform', `already ${state.paused ? 'paused' : 'running'}`);
    return;
  }
  try {
    await engineCommands(d.tuning.engineCommandTimeoutMs).holdJob({
      jobId: state.job.jobId,
      payment: d.input.spec.job.payment_info.payment,
      hold,
    });
  } catch (err) {
    flag(
      d,
      `the Delivery Engine refused to ${hold ? 'hold' : 'release'} job ${state.job.jobId}: ${failureMessage(err)}`,
    );
    return;
  }
  state.paused = hold;
  const who = by === undefined ? 'the platform' : `operator ${by}`;
  note(d, 'platform', `${state.paused ? 'paused' : 'resumed'} by ${who}: ${reason}`);
  d.publisher.publish();
}

/**
 * Reports still waiting that the platform's own cancel made moot: all of them before the platform
 * confirmed (none can be under way), else all but the first (the one under way).
 */
function dropSupersededReports(d: Delivery): void {
  const { outbox, confirmed } = d.state;
  const superseded = d.reporter.supersededByPlatformCancel;
  const from = confirmed ? 1 : 0;
  if (!outbox || outbox.length <= from || !superseded) return;
  const waiting = outbox.slice(from);
  const kept = waiting.filter((entry) => !superseded(entry.call));
  if (kept.length === waiting.length) return;
  outbox.splice(from, waiting.length, ...kept);
  note(d, 'platform', `${waiting.length - kept.length} waiting status report(s) dropped: the platform canceled`);
}
