/**
 * The delivery's state: made once at the start of a run (new, or carried by continue-as-new), then
 * changed only through the small functions here and in the step modules. Deterministic code only.
 */
import { metricMeter } from '@temporalio/workflow';
import {
  type DeliveryInput,
  type DeliveryState,
  type DeliveryView,
  type ReportFailure,
  type TimelineEntry,
  DEFAULT_CONFIRMATION_DELAY_MS,
  DEFAULT_CONFIRMATION_MARGIN_MS,
  DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
  DEFAULT_ENGINE_COMMAND_TIMEOUT_MS,
  DEFAULT_REPORT_ATTENTION_AFTER_MS,
} from '../contracts/delivery';
import type { OutgoingCall } from '../contracts/platformCalls';
import type { PlatformReporter } from './reporters';
import type { Publisher } from './publishing';

/** Flags raised, on the worker's metrics (docs/metrics.md). */
export const FLAGS_RAISED_METRIC = 'delivery_bridge_flags_raised';
const flagsRaised = () => metricMeter.createCounter(FLAGS_RAISED_METRIC, 'flags', 'Deliveries flagged for an operator');

export const TIMELINE_LIMIT = 100;
export const SEEN_EVENTS_LIMIT = 1000;
export const FAILED_REPORTS_LIMIT = 20;
/** The longest text a timeline line, a failed report or `lastError` keeps (a partner's error can be long). */
export const TEXT_MAX_CHARS = 500;
export const boundedText = (text: string): string =>
  text.length <= TEXT_MAX_CHARS ? text : `${text.slice(0, TEXT_MAX_CHARS - 1)}\u2026`;

/**
 * The most a continue-as-new carries (its input: the delivery's input and its state). Temporal
 * refuses a payload over 2 MB; the rest is the codec's and the envelope's margin. A state over it
 * (an outbox grown while the platform refused for hours) stays in its run until it shrinks
 * (workflows/delivery.ts `runInbox`).
 */
export const CARRY_MAX_BYTES = 1_500_000;

/** The UTF-8 size of what a continue-as-new of this delivery would carry. */
export function carriedBytes(d: Delivery): number {
  return new TextEncoder().encode(JSON.stringify({ ...d.input, carried: d.state })).length;
}
/**
 * Refused calls kept for a re-send, and taken calls kept for a repair: the newest only, at most
 * this many and this many bytes of JSON each list. Continue-as-new carries the whole state in one
 * payload, which Temporal caps at 2 MB: a call may carry a label or evidences inline.
 */
export const KEPT_CALLS_LIMIT = 50;
export const KEPT_CALLS_MAX_BYTES = 256 * 1024;

/** Appends to a bounded list of the state (the oldest go first, by count and by size). */
export function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEPT_CALLS_LIMIT) list.splice(0, list.length - KEPT_CALLS_LIMIT);
  const sizes = list.map((call) => JSON.stringify(call).length);
  let total = sizes.reduce((a, b) => a + b, 0);
  let drop = 0;
  // The newest call is always kept, however large: it is what an operator would resend.
  while (total > KEPT_CALLS_MAX_BYTES && drop < list.length - 1) total -= sizes[drop++]!;
  if (drop > 0) list.splice(0, drop);
}

/** One delivery's run: its input, its state, and the helpers every step shares. */
export interface Delivery {
  readonly input: DeliveryInput;
  readonly state: DeliveryState;
  readonly reporter: PlatformReporter;
  readonly publisher: Publisher;
  /** Carrier event ids already handled: `state.seenEventIds` as a set. */
  readonly seen: Set<string>;
  readonly tuning: {
    confirmationDelayMs: number;
    confirmationMarginMs: number;
    continueAsNewAfterEvents: number;
    reportAttentionAfterMs: number;
    engineCommandTimeoutMs: number;
    carryMaxBytes: number;
  };
  /** About to continue as new: the outbox lane starts no new call (workflows/reporting.ts). */
  draining: boolean;
  /** The outbox call the lane is sending now (workflows/reporting.ts). */
  sending?: OutgoingCall;
  /** This run flagged that its state is too large to continue as new (once per run). */
  heldOverCarry?: boolean;
}

export function tuningOf(input: DeliveryInput): Delivery['tuning'] {
  return {
    confirmationDelayMs: input.tuning?.confirmationDelayMs ?? DEFAULT_CONFIRMATION_DELAY_MS,
    confirmationMarginMs: input.tuning?.confirmationMarginMs ?? DEFAULT_CONFIRMATION_MARGIN_MS,
    continueAsNewAfterEvents: input.tuning?.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
    reportAttentionAfterMs: input.tuning?.reportAttentionAfterMs ?? DEFAULT_REPORT_ATTENTION_AFTER_MS,
    engineCommandTimeoutMs: input.tuning?.engineCommandTimeoutMs ?? DEFAULT_ENGINE_COMMAND_TIMEOUT_MS,
    // Lower only, never above what Temporal takes.
    carryMaxBytes: Math.min(input.tuning?.carryMaxBytes ?? CARRY_MAX_BYTES, CARRY_MAX_BYTES),
  };
}

/**
 * The state of a new delivery (its `confirmAt` set by the caller, who knows the platform's delay),
 * or of a continued one.
 */
export function initialState(input: DeliveryInput): DeliveryState {
  const { carried } = input;
  if (!carried) {
    return {
      status: 'PENDING',
      phase: 'creating',
      createAttempted: false,
      paused: false,
      confirmed: false,
      confirmAt: 0,
      agentAssigned: false,
      ...(input.attention ? { lastError: input.attention } : {}),
      needsAttention: input.attention !== undefined,
      failedReports: [],
      reportsInFlight: 0,
      timeline: [],
      seenEventIds: [],
      inbox: [],
      outbox: [],
      refused: [],
      sent: [],
      reporterMemory: {},
      run: 1,
    };
  }
  // The previous run drained its outbox lane before it continued: nothing is under way.
  return { ...carried, reportsInFlight: 0, run: carried.run + 1 };
}

/** Records a line of the delivery's timeline (bounded: the oldest lines go first). */
export function note(
  d: Delivery,
  kind: TimelineEntry['kind'],
  message: string,
  extra: Partial<TimelineEntry> = {},
): void {
  const { timeline } = d.state;
  timeline.push({ at: new Date().toISOString(), kind, message: boundedText(message), ...extra });
  if (timeline.length > TIMELINE_LIMIT) timeline.splice(0, timeline.length - TIMELINE_LIMIT);
}

/**
 * The one place that flags a delivery for an operator: the reason becomes `lastError`, the
 * timeline says it, and `NeedsAttention` is published.
 */
export function flag(d: Delivery, reason: string, failedReport?: Omit<ReportFailure, 'at'>): void {
  // The SDK's workflow meter records nothing while replaying: one count per flag raised.
  flagsRaised().add(1, { platform: d.input.platform });
  d.state.lastError = boundedText(reason);
  d.state.needsAttention = true;
  if (failedReport) {
    const { call, error } = failedReport;
    d.state.failedReports.push({ at: new Date().toISOString(), call: boundedText(call), error: boundedText(error) });
    if (d.state.failedReports.length > FAILED_REPORTS_LIMIT) d.state.failedReports.shift();
  }
  note(d, 'error', reason);
  d.publisher.publish();
}

/** Lowers the flag `flag(d, reason)` raised, unless another reason has replaced it since. */
export function unflag(d: Delivery, reason: string, kind: TimelineEntry['kind'], line: string): void {
  if (d.state.lastError !== boundedText(reason)) return;
  d.state.needsAttention = false;
  note(d, kind, line);
  d.publisher.publish();
}

/** Remembers a carrier event id; false when it was seen before. */
export function firstSighting(d: Delivery, eventId: string): boolean {
  if (d.seen.has(eventId)) return false;
  d.seen.add(eventId);
  d.state.seenEventIds.push(eventId);
  if (d.state.seenEventIds.length > SEEN_EVENTS_LIMIT) d.seen.delete(d.state.seenEventIds.shift()!);
  return true;
}

/** What the state query and the workflow result show: the state minus internals and the delivery PIN. */
export function viewOf(d: Delivery): DeliveryView {
  const { input, state } = d;
  const job = state.job ? (({ deliveryCode: _pin, ...shown }) => shown)(state.job) : undefined;
  return {
    serviceId: input.serviceId,
    platform: input.platform,
    orderId: input.orderId,
    carrierId: input.carrierId,
    ...(input.routeId ? { routeId: input.routeId } : {}),
    ...(input.routeName ? { routeName: input.routeName } : {}),
    status: state.status,
    phase: state.phase,
    clientReference: input.spec.clientReference,
    paused: state.paused,
    ...(job ? { job } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    needsAttention: state.needsAttention,
    failedReports: [...state.failedReports],
    pendingReports: state.inbox.length + state.outbox.length,
    refusedReports: state.refused.length,
    ...(state.progressAt ? { lastProgressAt: state.progressAt } : {}),
    platformRecord: d.reporter.record(state.sent.map((entry) => entry.call)),
    timeline: [...state.timeline],
    run: state.run,
  };
}
