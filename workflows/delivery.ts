/**
 * One durable workflow per delivery, for its whole life: create the job in the Delivery Engine
 * before the slot lapses, answer the platform's Create service, wait for the platform to confirm
 * the service, then turn every carrier event and platform command into the platform's calls, in
 * order, until the delivery ends. This file only wires the handlers and tells the story; the steps
 * live in creation.ts, inbox.ts, reporting.ts and publishing.ts, all on one DeliveryState.
 */
import {
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  patched,
  setDefaultSignalHandler,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  createServiceAnswer,
  type CancelOrder,
  type DeliveryInput,
  type DeliveryView,
  type OperatorCommand,
  type ReceiverChange,
  type WorkflowJobEvent,
} from '../contracts/delivery';
import { packagesOf } from '../mapping/labelContent';
import { createJob, type CreationOutcome } from './creation';
import { handleNext, handlePendingCancel, releasePickup } from './inbox';
import {
  cancelSignal,
  carrierEventSignal,
  createServiceUpdate,
  deliveryStateQuery,
  operatorSignal,
  pauseSignal,
  receiverSignal,
  releasePickupUpdate,
  serviceAnsweredSignal,
} from './messages';
import { reporterFor } from './platforms';
import { createPublisher } from './publishing';
import { drainOutbox, report, runOutbox, setStatus } from './reporting';
import { carriedBytes, flag, initialState, note, tuningOf, unflag, viewOf, type Delivery } from './state';
import { isTerminal } from './stateMachine';

export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryView> {
  const d = setUp(input);
  if (d.state.phase !== 'active' && (await begin(d)) === 'continue-as-new') return continueAsNew(d);
  await runInbox(d);
  if (!isTerminal(d.state.status) || hasWork(d) || awaitsOperator(d)) return continueAsNew(d);
  d.state.phase = 'ended';
  note(d, 'status', `delivery ended ${d.state.status}`);
  d.publisher.publish();
  return viewOf(d);
}

/** The delivery's state and its message handlers. */
function setUp(input: DeliveryInput): Delivery {
  const tuning = tuningOf(input);
  const state = initialState(input);
  const reporter = reporterFor(
    input.report,
    tuning.confirmationDelayMs,
    state.reporterMemory,
    packagesOf(input).length,
  );
  const confirmationWait = reporter.confirmationDelayMs + tuning.confirmationMarginMs;
  if (!input.carried) state.confirmAt = Date.now() + confirmationWait;
  const delivery: Delivery = {
    input,
    state,
    reporter,
    publisher: createPublisher(state),
    seen: new Set(state.seenEventIds),
    tuning,
    draining: false,
  };
  void runOutbox(delivery);
  /** Every Create answer pushes the platform's confirmation later, until it happened. */
  const pushConfirmation = (answeredAt: number) => {
    if (!state.confirmed) state.confirmAt = Math.max(state.confirmAt, answeredAt + confirmationWait);
  };

  setHandler(deliveryStateQuery, () => viewOf(delivery));
  setHandler(createServiceUpdate, async ({ waitMs, answerBy }) => {
    const settled = () => state.job !== undefined || state.creationFailure !== undefined || state.phase === 'ended';
    if (!settled()) await condition(settled, Math.max(0, waitMs));
    pushConfirmation(Math.max(Date.now(), answerBy ?? 0));
    return { ...createServiceAnswer(input.serviceId, state.status, state.job), producedAt: Date.now() };
  });
  setHandler(releasePickupUpdate, ({ pincode }) => releasePickup(delivery, pincode));
  const onEvent = (event: WorkflowJobEvent) => {
    state.inbox.push({ kind: 'event', event });
  };
  const onCancel = (order: CancelOrder) => {
    const at = new Date().toISOString();
    state.cancelRequested ??= { reason: order.reason, at };
    state.inbox.push({ kind: 'command', command: { kind: 'cancel', ...order, at } });
  };
  const onPause = ({ pause, reason, by }: { pause: boolean; reason: string; by?: string }) => {
    const at = new Date().toISOString();
    state.inbox.push({ kind: 'command', command: { kind: 'pause', pause, reason, at, ...(by ? { by } : {}) } });
  };
  const onReceiver = (change: ReceiverChange) => {
    state.inbox.push({ kind: 'command', command: { kind: 'receiver', change, at: new Date().toISOString() } });
  };
  const onOperator = (command: OperatorCommand) => {
    state.inbox.push({ kind: 'operator', command: { ...command, at: new Date().toISOString() } });
  };
  // Signals that arrived before this first task (a busy or restarted worker) wait in the SDK's
  // buffer, which would hand them out handler by handler: every carrier event, then the cancel
  // sent between them. One catch-all handler set first takes them in their arrival order.
  const byName: Record<string, (arg: never) => void> = {
    [serviceAnsweredSignal.name]: ({ at }: { at: number }) => pushConfirmation(at),
    [carrierEventSignal.name]: onEvent,
    [cancelSignal.name]: onCancel,
    [pauseSignal.name]: onPause,
    [receiverSignal.name]: onReceiver,
    [operatorSignal.name]: onOperator,
  };
  setDefaultSignalHandler((name, ...args) => byName[name]?.(args[0] as never));
  setHandler(serviceAnsweredSignal, ({ at }) => pushConfirmation(at));
  setHandler(carrierEventSignal, onEvent);
  setHandler(cancelSignal, onCancel);
  setHandler(pauseSignal, onPause);
  setHandler(receiverSignal, onReceiver);
  setHandler(operatorSignal, onOperator);
  // Unknown signal names are not taken (the SDK buffers them, as before).
  setDefaultSignalHandler(undefined);
  return delivery;
}

/** Events, commands or reports not handled yet. */
const hasWork = (d: Delivery) => d.state.inbox.length > 0 || d.state.outbox.length > 0;

/**
 * Reports the platform refused for good keep an ended delivery open (and flagged, where the
 * attention list, the metric and `resend-refused` see it) until an operator resends or dismisses them.
 */
const awaitsOperator = (d: Delivery) => d.state.refused.length > 0;

/**
 * The same delivery in a new run, its state carried whole; what operators search by kept as last
 * set. The report under way finishes first: the next run would otherwise send it again beside it.
 */
async function continueAsNew(d: Delivery): Promise<never> {
  await drainOutbox(d);
  await condition(allHandlersFinished);
  return makeContinueAsNewFunc<typeof deliveryWorkflow>({
    memo: { summary: d.publisher.summary() },
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  })({ ...d.input, carried: d.state });
}

/**
 * A new delivery (or one whose creation outlasted a run): create the job, wait out the platform's
 * confirmation, send the first report.
 */
async function begin(d: Delivery): Promise<CreationOutcome> {
  const { state } = d;
  if (state.phase === 'creating') {
    // Order, carrier, platform, route and PENDING were set at start (startSearchAttributes).
    if (state.run === 1) note(d, 'status', 'delivery received');
    if ((await createJob(d)) === 'continue-as-new') return 'continue-as-new';
    // A cancel that came during creation is carried out as soon as the job exists (or instead of it).
    if (state.cancelRequested) await handlePendingCancel(d);
  }

  // The platform takes no call before it confirmed our answer: a durable timer, not a sleep. A
  // timer is started whatever the clock says (1 ms when confirmAt has passed), and only a later
  // confirmAt starts another: the commands follow the history alone. A worker holding the run from
  // an earlier task (a query's replay) was seen to read the previous task's time here, which made
  // it skip or add a timer that a replay did not (a chaos run's wedged deliveries).
  // A platform with no confirmation window (Abbiamo) waits for nothing.
  state.phase = 'waiting-confirmation';
  const waits = d.reporter.confirmationDelayMs + d.tuning.confirmationMarginMs > 0;
  while (waits) {
    const target = state.confirmAt;
    const pushed = await condition(() => state.confirmAt !== target, Math.max(1, target - Date.now()));
    if (!pushed) break;
  }
  state.confirmed = true;
  state.phase = 'active';

  if (state.creationFailure && !state.cancelRequested) {
    state.lastError = state.creationFailure;
    state.needsAttention = true;
    report(d, d.reporter.creationFailed(state.creationFailure));
    setStatus(d, { status: 'CANCELED' }, `job creation failed: ${state.creationFailure}`);
  } else if (state.job && !isTerminal(state.status)) {
    report(d, d.reporter.firstReport(state.job, state.status));
  }
  return 'settled';
}

/**
 * Carrier events and platform commands, in order, until the delivery ends or continues as new. A
 * state too large to carry (workflows/state.ts `CARRY_MAX_BYTES`, or the tuned bound) keeps its run going, flagged,
 * until its outbox drains enough: Temporal's history takes far more than one payload does.
 */
async function runInbox(d: Delivery): Promise<void> {
  const { state } = d;
  const wantsContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= d.tuning.continueAsNewAfterEvents;
  };
  const canCarry = () => carriedBytes(d) <= d.tuning.carryMaxBytes;
  const overCarry = `the delivery's state is over ${d.tuning.carryMaxBytes} bytes: it continues as new once its reports drain`;
  /** Whether the run may continue as new now; a state too large to carry is flagged once and held. */
  const mayContinueAsNew = (): boolean => {
    if (canCarry()) {
      if (d.heldOverCarry) unflag(d, overCarry, 'note', 'the state fits again: continuing as new, flag cleared');
      return true;
    }
    if (d.heldOverCarry) return false;
    // Runs recorded before the hold continued as new whatever their size.
    if (!patched('hold-oversized-state')) return true;
    d.heldOverCarry = true;
    flag(d, overCarry);
    return false;
  };
  const done = () => isTerminal(state.status) && !hasWork(d) && !awaitsOperator(d);
  while (!done()) {
    if (wantsContinueAsNew() && mayContinueAsNew()) break;
    if (state.inbox.length > 0) await handleNext(d);
    // Wakes to continue as new, or once to flag a state that cannot (then only when it can).
    else
      await condition(
        () => state.inbox.length > 0 || done() || (wantsContinueAsNew() && (!d.heldOverCarry || canCarry())),
      );
  }
  // A signal that arrives while this last task completes makes the server refuse the completion;
  // the next task then finds it in the inbox and goes on.
  await condition(allHandlersFinished);
}
