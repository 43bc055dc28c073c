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
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobEvent } from '../contracts/deliveryEngine';
import {
  createServiceAnswer,
  type CancelOrder,
  type DeliveryInput,
  type DeliveryView,
  type OperatorCommand,
} from '../contracts/delivery';
import { createJob, PATCH_NO_LOCAL_ACTIVITIES, type CreationOutcome } from './creation';
import { handleNext, handlePendingCancel } from './inbox';
import {
  cancelSignal,
  carrierEventSignal,
  createServiceUpdate,
  deliveryStateQuery,
  operatorSignal,
  pauseSignal,
  serviceAnsweredSignal,
} from './messages';
import { reporterFor } from './platforms';
import { createPublisher } from './publishing';
import { report, runOutbox, setStatus } from './reporting';
import { initialState, note, tuningOf, viewOf, type Delivery } from './state';
import { isTerminal } from './stateMachine';

/** Reports leave through their own lane (workflows/reporting.ts); older runs replay without it. */
const PATCH_REPORT_LANE = 'reports-own-lane';
/** A cancel sent during creation comes after the events that arrived before it. */
const PATCH_CANCEL_IN_ORDER = 'cancel-in-order';
/** Signals that came before the first task are taken in their arrival order, not handler by handler. */
const PATCH_SIGNALS_IN_ORDER = 'signals-in-order';
/** Marketplace deliveries speak Abbiamo's carrier protocol; older ones replay with our earlier callbacks. */
const PATCH_ABBIAMO_REPORTER = 'abbiamo-reporter';

export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryView> {
  const d = setUp(input);
  if (d.state.phase !== 'active' && (await begin(d)) === 'continue-as-new') return continueAsNew(d);
  await runInbox(d);
  if (!isTerminal(d.state.status) || d.state.inbox.length > 0 || (d.state.outbox?.length ?? 0) > 0)
    return continueAsNew(d);
  d.state.phase = 'ended';
  note(d, 'status', `delivery ended ${d.state.status}`);
  d.publisher.publish();
  return viewOf(d);
}

/** The delivery's state and its message handlers. */
function setUp(input: DeliveryInput): Delivery {
  const tuning = tuningOf(input);
  const state = initialState(input);
  // Decided first, for the whole run: status reports and the first create as regular activities.
  const noLocalActivities = patched(PATCH_NO_LOCAL_ACTIVITIES);
  const reporter = reporterFor(
    input.report,
    tuning.confirmationDelayMs,
    state.reporterMemory,
    input.report.platform === 'marketplace' ? patched(PATCH_ABBIAMO_REPORTER) : true,
    noLocalActivities,
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
    reportLane: patched(PATCH_REPORT_LANE),
  };
  if (delivery.reportLane) void runOutbox(delivery);
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
  const onEvent = (event: JobEvent) => {
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
  const onOperator = (command: OperatorCommand) => {
    state.inbox.push({ kind: 'operator', command: { ...command, at: new Date().toISOString() } });
  };
  if (patched(PATCH_SIGNALS_IN_ORDER)) {
    // Signals that arrived before this first task (a busy or restarted worker) wait in the SDK's
    // buffer, which would hand them out handler by handler: every carrier event, then the cancel
    // sent between them. One catch-all handler set first takes them in their arrival order.
    const byName: Record<string, (arg: never) => void> = {
      [serviceAnsweredSignal.name]: ({ at }: { at: number }) => pushConfirmation(at),
      [carrierEventSignal.name]: onEvent,
      [cancelSignal.name]: onCancel,
      [pauseSignal.name]: onPause,
      [operatorSignal.name]: onOperator,
    };
    setDefaultSignalHandler((name, ...args) => byName[name]?.(args[0] as never));
  }
  setHandler(serviceAnsweredSignal, ({ at }) => pushConfirmation(at));
  setHandler(carrierEventSignal, onEvent);
  setHandler(cancelSignal, onCancel);
  setHandler(pauseSignal, onPause);
  setHandler(operatorSignal, onOperator);
  // Unknown signal names are not taken (the SDK buffers them, as before).
  setDefaultSignalHandler(undefined);
  return delivery;
}

/** The same delivery in a new run, its state carried whole; what operators search by kept as last set. */
async function continueAsNew(d: Delivery): Promise<never> {
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
    if (state.cancelRequested) await handlePendingCancel(d, patched(PATCH_CANCEL_IN_ORDER));
  }

  // The platform takes no call before it confirmed our answer: a durable timer, not a sleep.
  state.phase = 'waiting-confirmation';
  while (Date.now() < state.confirmAt) {
    const target = state.confirmAt;
    await condition(() => state.confirmAt !== target, target - Date.now());
  }
  state.confirmed = true;
  state.phase = 'active';

  if (state.creationFailure && !state.cancelRequested) {
    state.lastError = state.creationFailure;
    state.needsAttention = true;
    await report(d, d.reporter.creationFailed(state.creationFailure));
    setStatus(d, { status: 'CANCELED' }, `job creation failed: ${state.creationFailure}`);
  } else if (state.job && !isTerminal(state.status)) {
    await report(d, d.reporter.firstReport(state.job, state.status));
  }
  return 'settled';
}

/** Carrier events and platform commands, in order, until the delivery ends or continues as new. */
async function runInbox(d: Delivery): Promise<void> {
  const { state } = d;
  const shouldContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= d.tuning.continueAsNewAfterEvents;
  };
  for (;;) {
    const unsent = () => state.outbox?.length ?? 0;
    while (!isTerminal(state.status) || state.inbox.length > 0 || unsent() > 0) {
      if (shouldContinueAsNew()) break;
      if (state.inbox.length > 0) await handleNext(d);
      else
        await condition(
          () => state.inbox.length > 0 || (isTerminal(state.status) && unsent() === 0) || shouldContinueAsNew(),
        );
    }
    await condition(allHandlersFinished);
    // Reports run as local activities, recorded only when their workflow task completes. Closing
    // (or continuing as new) in that same task would be refused by the server if a signal arrived
    // meanwhile, and the reports would run again: one timer first seals them in history.
    await sleep(1);
    // What arrived meanwhile is handled before closing; a continue-as-new carries it instead.
    if ((state.inbox.length === 0 && unsent() === 0) || shouldContinueAsNew()) return;
  }
}
