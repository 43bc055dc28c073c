/**
 * The chaos run's verdict, in one place for `npm run chaos` and the in-suite run: for every delivery,
 * what the platform's sandbox holds (VTEX's service record, Abbiamo's callbacks) against the
 * engine's truth (the events its job really went through, when each reached our webhook) and what
 * the platform itself asked (cancel, pause). Pure: it reads what the run collected, nothing else.
 *
 * Exactly once where the order of things is known; at most once where it is not: an event whose
 * delivery to our webhook overlapped the platform's cancel may or may not be reported, never twice.
 */

export type LifeKind =
  | 'happy'
  | 'operator-incident'
  | 'refused-returned'
  | 'carrier-cancel'
  | 'operator-on-hold'
  | 'task-resets'
  | 'long'
  | 'vtex-cancel-in-flight'
  | 'vtex-pause-in-flight'
  | 'cancel-during-kill'
  | 'pause-during-kill'
  | 'marketplace-happy'
  | 'marketplace-cancel'
  | 'cancel-during-creation'
  | 'cancel-behind-refused-reports'
  | 'shared-reference'
  | 'engine-refuses-create'
  | 'final-report-resent'
  | 'final-report-cleared'
  | 'vtex-not-found'
  | 'largest-events';

/** One event of the delivery's job, as the engine emitted it and as it reached our webhook. */
export interface PlayedEvent {
  id: string;
  type: string;
  /** epoch ms the engine emitted it */
  createdAt: number;
  /** epoch ms of its first delivery attempt (undefined: never attempted) */
  firstAttemptAt?: number;
  /** epoch ms its delivery got our 200 (undefined: never) */
  deliveredAt?: number;
  /** emitted by the engine itself in answer to our call (the CANCELLED of a cancel) */
  reaction: boolean;
  /** the plan says its report may or may not go out (it raced something the run cannot order) */
  optional: boolean;
  /** the driver the event's job names (contracts/instaleapChoices.ts `driverOf`) */
  resourceId?: string | null;
  /** the proof of delivery the event's job carries (CLIENT_RECEIVED) */
  evidences: string[];
  /** the event's size as the webhook carried it, bytes (the largest-events corner) */
  bytes?: number;
}

/** An operator's command, sent through the API (POST /operator/deliveries/{id}/commands). */
export interface OperatorCommandRecord {
  action: 'force-status' | 'clear-flag' | 'resend-refused';
  status?: string;
  why: string;
  firstSentAt: number;
  /** epoch ms of the 202; undefined when it never got one */
  answeredAt?: number;
  attempts: number;
}

/** A command the platform (VTEX) sent us, with when it was first sent and when it was answered. */
export interface PlatformCommandRecord {
  command: 'cancel' | 'pause' | 'resume';
  firstSentAt: number;
  /** epoch ms of the 200; undefined when it never got one */
  answeredAt?: number;
  status?: number;
  attempts: number;
}

export interface TrackingCallRecord {
  at: number;
  method: string;
  hook: string;
  status: number | null;
}

export interface VtexRecordView {
  status: string;
  agentId: string | null;
  notes: { content: string; date: string }[];
  evidences: { content: string; date: string }[];
  labels: string[];
  timeline: { type: string; description: string; author: string | null; date: string; status?: string }[];
}

export interface AbbiamoCallbackView {
  eventId: string;
  status: string;
  receivedAt: string;
  duplicate: boolean;
}

export interface CollectedDelivery {
  index: number;
  kind: LifeKind;
  platform: 'vtex' | 'marketplace';
  serviceId: string;
  /** the intake took the request (200 / 202) */
  accepted: boolean;
  intakeAttempts: number;
  /** the job the run played (the first job whose webhook names this delivery) */
  jobId?: string;
  /** the job the delivery's workflow says it has */
  workflowJobId?: string;
  /** every engine job whose webhook names this delivery */
  jobsOfDelivery: string[];
  /** the engine's state of each of them (and of the workflow's job) at the end */
  jobStates?: Record<string, string>;
  /** the delivery that owns `workflowJobId` when it is not this one */
  workflowJobOwner?: string;
  jobStatus?: string;
  /** the life was played to its end (false: no job showed up, or the run gave up) */
  played: boolean;
  playNote?: string;
  events: PlayedEvent[];
  commands: PlatformCommandRecord[];
  /** what operators did (force-status, clear-flag, resend-refused) */
  operator?: OperatorCommandRecord[];
  /** the terminal step the run played: a carrier event, the platform's cancel, an operator's forced end */
  terminal?: { kind: 'event'; eventId: string } | { kind: 'platform-cancel' } | { kind: 'operator'; status: string };
  /**
   * The final report VTEX refused for good, and what the run saw of it: the delivery ended and
   * flagged with the report kept (`flaggedAt`), then the operator's `resolution`.
   */
  finalRefusal?: { resolution: 'resend' | 'clear'; refusedCalls: number; flaggedAt?: number; flagNote?: string };
  /** VTEX answered `status` to this delivery's tracking calls for a while on purpose: how many it refused */
  reportRefusal?: { status: number; refusedCalls: number };
  /** what the platform holds */
  vtex?: { record?: VtexRecordView; confirmedAt?: number; calls: TrackingCallRecord[] };
  abbiamo?: { callbacks: AbbiamoCallbackView[] };
  workflow?: {
    status: string;
    run?: number;
    needsAttention?: boolean;
    lastError?: string;
    /** an open workflow's pending workflow task (scripts/chaos/observe.ts `workflowTaskOf`) */
    pendingTask?: PendingWorkflowTask;
  };
  /** POST /jobs calls for this delivery while the engine refused them, and how long the refusal lasted */
  refusedCreates?: { calls: number; windowMs: number };
  /** platform cancel answered -> engine job CANCELLED, ms (undefined: never) */
  cancelReachedEngineMs?: number;
  /** SIGKILLs of the worker or of Temporal from `KILL_LOOKBACK_MS` before the cancel's answer to its reaching the engine */
  killsDuringCancel?: number;
  /** platform commands the run sent while the worker was down (right after a SIGKILL, before it was back) */
  commandsWhileWorkerDown?: number;
}

/** A workflow task Temporal holds for an open workflow: its attempt, and why the last one failed. */
export interface PendingWorkflowTask {
  /** 1 for a first attempt; Temporal counts every failed attempt of the same task */
  attempt: number;
  /** the last WorkflowTaskFailed in its history (Temporal records the first failure of a run of them) */
  lastFailure?: { cause: string; message: string };
}

/** A workflow task failing this many attempts is failing for good (a lost worker costs one, rarely two). */
export const WEDGED_TASK_ATTEMPTS = 3;

const NONDETERMINISM =
  /nondetermin|DeterminismViolation|NON_DETERMINISTIC|does not handle this event|No command scheduled for event|did not have expected timer id/i;

/** Why an open workflow's task is wedged: a nondeterminism error, or a task failing attempt after attempt. */
export function wedgedTask(task: PendingWorkflowTask | undefined): string | undefined {
  if (!task) return undefined;
  const failure = task.lastFailure;
  if (failure && (NONDETERMINISM.test(failure.cause) || NONDETERMINISM.test(failure.message)))
    return `nondeterminism error: ${failure.message} (attempt ${task.attempt}): it fails on every replay`;
  if (task.attempt >= WEDGED_TASK_ATTEMPTS)
    return `workflow task failing repeatedly (attempt ${task.attempt})${failure ? `: ${failure.cause} ${failure.message}` : ''}`;
  return undefined;
}

export type FindingClass =
  | 'lost-delivery'
  | 'lost-report'
  | 'doubled-report'
  | 'report-after-end'
  | 'early-call'
  | 'orphan-job'
  | 'doubled-job'
  | 'shared-job'
  | 'slow-cancel'
  | 'creation-hot-loop'
  | 'wedged-workflow-task'
  | 'canceled-on-refusal'
  | 'refusal-not-flagged'
  | 'unfinished';

export interface Finding {
  class: FindingClass;
  serviceId: string;
  kind: LifeKind;
  what: string;
}

export interface Verdict {
  deliveries: number;
  lostDeliveries: number;
  lostReports: number;
  doubledReports: number;
  /** deliveries still open when the run stopped waiting (not counted lost) */
  unfinished: number;
  findings: Finding[];
  /** per finding class: how many */
  byClass: Partial<Record<FindingClass, number>>;
  /** per life kind: deliveries, and deliveries with at least one finding */
  byKind: Record<string, { deliveries: number; withFindings: number }>;
  /** items checked: required (exactly once), optional (at most once) */
  checkedItems: { required: number; optional: number };
  /** event emitted -> the platform holds its report, ms */
  eventToPlatformMs: number[];
  /** platform cancel answered -> the engine job CANCELLED, ms: a figure (kills and load decide it), not a bar */
  cancelToEngineMs: number[];
  events: number;
  continuedAsNew: number;
  maxRun: number;
  /**
   * Per corner the run means to visit, how many deliveries were planned for it and how many really
   * went through it (a cancel met a kill, a workflow continued as new, a refusal was answered):
   * a figure, since kills and timing decide it.
   */
  corners: Record<string, { planned: number; visited: number }>;
  /** the largest job event the webhook carried, bytes */
  largestEventBytes: number;
}

/** VTEX statuses an event type leads to (workflows/stateMachine.ts `statusForEventType`), for the latency figure. */
export const STATUS_OF_EVENT: Record<string, string> = {
  ALLOCATED: 'ASSIGNED',
  RE_ALLOCATED: 'ASSIGNED',
  GOING_TO_ORIGIN_STARTED: 'ASSIGNED',
  ARRIVED_TO_ORIGIN: 'ASSIGNED',
  PICKING_FINISHED: 'PICKED',
  CHECKED_OUT: 'PICKED',
  GOING_TO_DESTINATION_STARTED: 'ON_ROUTE',
  ARRIVED_TO_DESTINATION: 'ON_ROUTE',
  DELIVERING_STARTED: 'ON_ROUTE',
  CLIENT_RECEIVED: 'DELIVERED',
  REFUSED: 'INCIDENT',
  TASK_RESET_DELIVERY: 'INCIDENT',
  TASK_RESET_PICKING: 'INCIDENT',
};

const FINAL_OF_EVENT: Record<string, string> = { CLIENT_RECEIVED: 'DELIVERED', CANCELLED: 'CANCELED' };
const ENGINE_FINAL: Record<string, string> = { DELIVERED: 'CLIENT_RECEIVED', CANCELED: 'CANCELLED' };
/** Lives whose reports or creation the run stalls on purpose: left out of the latency figure. */
const DELIBERATE_STALLS: ReadonlySet<LifeKind> = new Set([
  'cancel-behind-refused-reports',
  'engine-refuses-create',
  'shared-reference',
  'cancel-during-creation',
  'final-report-resent',
  'final-report-cleared',
  'vtex-not-found',
]);

/**
 * The note VTEX must hold for an Instaleap event (mapping/eventToVtex.ts): an ERROR note for a
 * refusal or a task started over, a COMMENT for a new date. Matched as a part of the note's text.
 */
export function vtexNoteOfEvent(type: string): string | undefined {
  if (type === 'REFUSED') return 'Delivery refused';
  if (type.startsWith('TASK_RESET')) return `Task started over (${type})`;
  if (type === 'RESCHEDULED') return 'Delivery rescheduled';
  return undefined;
}

type Place = 'before' | 'ambiguous' | 'after';

/** Where an event stands against the delivery's end, as far as the run can know. */
function placeOf(event: PlayedEvent, d: CollectedDelivery, events: PlayedEvent[]): Place {
  if (event.optional) return 'ambiguous';
  const terminal = d.terminal;
  if (!terminal) return 'before';
  if (terminal.kind === 'event') {
    const at = events.findIndex((e) => e.id === terminal.eventId);
    const mine = events.indexOf(event);
    // The final report the operator dismissed (clear-flag) never reaches the platform.
    if (mine === at && d.finalRefusal?.resolution === 'clear') return 'after';
    return at < 0 || mine <= at ? 'before' : 'after';
  }
  if (terminal.kind === 'operator') {
    // The run forces the end once every event reached us; nothing follows.
    return 'before';
  }
  const cancel = d.commands.find((c) => c.command === 'cancel' && c.answeredAt !== undefined);
  if (!cancel) return 'before';
  if (event.deliveredAt !== undefined && event.deliveredAt < cancel.firstSentAt) return 'before';
  if (event.firstAttemptAt !== undefined && event.firstAttemptAt > cancel.answeredAt!) return 'after';
  return 'ambiguous';
}

/** The final status the platform must show, from how the run ended the life. */
function expectedFinal(d: CollectedDelivery): string | undefined {
  if (!d.terminal) return undefined;
  if (d.terminal.kind === 'platform-cancel') return 'CANCELED';
  if (d.terminal.kind === 'operator') return d.terminal.status;
  const event = d.events.find((e) => e.id === (d.terminal as { eventId: string }).eventId);
  return event ? FINAL_OF_EVENT[event.type] : undefined;
}

/** The status VTEX shows when the final report was dismissed: the one before it (none: unknown). */
function statusBeforeEnd(d: CollectedDelivery): string | undefined {
  const terminal = d.terminal;
  if (terminal?.kind !== 'event') return undefined;
  const at = d.events.findIndex((e) => e.id === terminal.eventId);
  const before = d.events
    .slice(0, Math.max(0, at))
    .reverse()
    .find((e) => STATUS_OF_EVENT[e.type]);
  return before ? STATUS_OF_EVENT[before.type] : undefined;
}

/**
 * The status VTEX held when it began refusing the delivery's calls for good (a final-report life):
 * the last status of its timeline dated before its first 400.
 */
function shownWhenRefusing(d: CollectedDelivery): string | undefined {
  const firstRefusal = d.vtex?.calls.find((c) => c.status === 400)?.at;
  const timeline = d.vtex?.record?.timeline;
  if (firstRefusal === undefined || !timeline) return undefined;
  return timeline.filter((e) => e.type === 'STATUS' && e.status && Date.parse(e.date) < firstRefusal).at(-1)?.status;
}

interface Tally {
  required: number;
  optional: number;
  forbidden: number;
}

/**
 * A kill this long (the workflow task timeout) before a cancel's answer still holds a task then:
 * the run counts the kills each cancel met (`killsDuringCancel`) for the report's figure.
 */
export const KILL_LOOKBACK_MS = 10_000;

export function checkDeliveries(deliveries: CollectedDelivery[]): Verdict {
  const findings: Finding[] = [];
  const latencies: number[] = [];
  const cancelLatencies: number[] = [];
  const checked = { required: 0, optional: 0 };
  let events = 0;
  let continuedAsNew = 0;
  let maxRun = 0;
  const lost = new Set<string>();

  for (const d of deliveries) {
    const mark = findings.length;
    check(d);
    // Still open when the run stopped waiting: what is missing may yet come; what is doubled stays.
    // 'unknown': described (so not completed) but not queried in time: open too.
    const open = d.workflow?.status === 'RUNNING' || d.workflow?.status.startsWith('unknown') === true;
    if (open && !findings.slice(mark).some((f) => f.class === 'shared-job')) {
      const missing = findings.slice(mark).filter((f) => f.class === 'lost-delivery' || f.class === 'lost-report');
      if (missing.length > 0) {
        findings.splice(mark, findings.length - mark, ...findings.slice(mark).filter((f) => !missing.includes(f)));
        lost.delete(d.serviceId);
        findings.push({
          class: 'unfinished',
          serviceId: d.serviceId,
          kind: d.kind,
          what: `still open when the run stopped waiting: ${missing[0]!.what}`,
        });
      }
    }
  }

  function check(d: CollectedDelivery): void {
    const add = (cls: FindingClass, what: string) =>
      findings.push({ class: cls, serviceId: d.serviceId, kind: d.kind, what });
    const lose = (what: string) => {
      lost.add(d.serviceId);
      add('lost-delivery', what);
    };
    events += d.events.length;
    if ((d.workflow?.run ?? 1) > 1) continuedAsNew += 1;
    maxRun = Math.max(maxRun, d.workflow?.run ?? 1);

    if (!d.accepted) {
      lose(`the intake never took it (${d.intakeAttempts} attempts)`);
      return;
    }
    // Jobs: one live per delivery, its own (a lost create answer leaves another, canceled as a stray),
    // cancelled when the platform canceled.
    const strays = d.jobsOfDelivery.filter((j) => j !== d.jobId && (d.jobStates?.[j] ?? 'unknown') !== 'CANCELLED');
    if (strays.length > 0)
      add(
        'doubled-job',
        `${d.jobsOfDelivery.length} engine jobs name this delivery; besides ${d.jobId ?? 'none'}, ${strays.map((j) => `${j} is ${d.jobStates?.[j] ?? 'unknown'}`).join(', ')}`,
      );
    if (d.workflowJobOwner && d.workflowJobOwner !== d.serviceId) {
      add(
        'shared-job',
        `its workflow holds job ${d.workflowJobId}, created for ${d.workflowJobOwner}: this delivery never hears of its driver`,
      );
    }
    const platformCanceled = d.commands.some((c) => c.command === 'cancel' && c.answeredAt !== undefined);
    if (platformCanceled) {
      for (const jobId of new Set([...(d.jobsOfDelivery ?? []), ...(d.workflowJobId ? [d.workflowJobId] : [])])) {
        const status =
          d.jobStates?.[jobId] ?? (jobId === d.jobId || jobId === d.workflowJobId ? d.jobStatus : undefined);
        if (status !== undefined && status !== 'CANCELLED')
          add('orphan-job', `platform canceled, engine job ${jobId} is ${status}: a driver may carry it`);
      }
      // Whether the cancel arrived is the outcome; how long it took (kills, a loaded machine) is a figure.
      if (d.cancelReachedEngineMs === undefined && d.jobId)
        add(
          'slow-cancel',
          `the platform cancel did not reach the engine job while the run watched (10 min); the job ends ${d.jobStatus ?? 'unknown'}`,
        );
      else if (d.cancelReachedEngineMs !== undefined) cancelLatencies.push(d.cancelReachedEngineMs);
    }
    if (d.refusedCreates && d.refusedCreates.windowMs > 0) {
      const perMinute = (d.refusedCreates.calls * 60_000) / d.refusedCreates.windowMs;
      if (d.refusedCreates.calls >= 5 && perMinute > 60) {
        add(
          'creation-hot-loop',
          `${d.refusedCreates.calls} POST /jobs in ${Math.round(d.refusedCreates.windowMs / 1000)} s of 409s (${Math.round(perMinute)}/min): no backoff`,
        );
      }
    }
    // A platform refusing calls (a 404 for a while, the final report for good) never cancels anything.
    if (d.reportRefusal || d.finalRefusal) {
      const cancelCalls = (d.vtex?.calls ?? []).filter((c) => c.hook === 'cancel').length;
      if (
        !platformCanceled &&
        (d.jobStatus === 'CANCELLED' || cancelCalls > 0 || d.vtex?.record?.status === 'CANCELED')
      ) {
        lost.add(d.serviceId);
        add(
          'canceled-on-refusal',
          `VTEX refused calls (${d.reportRefusal?.status ?? 400}) and the delivery was canceled: job ${d.jobStatus ?? 'unknown'}, ${cancelCalls} cancel call(s), VTEX ${d.vtex?.record?.status ?? 'no record'}`,
        );
      }
    }
    if (d.finalRefusal && d.played && d.finalRefusal.flaggedAt === undefined)
      add(
        'refusal-not-flagged',
        `VTEX refused the final report for good (${d.finalRefusal.refusedCalls} call(s)); the delivery was never seen ended, flagged and holding it: ${d.finalRefusal.flagNote ?? 'no view'}`,
      );
    const wedged = wedgedTask(d.workflow?.status === 'RUNNING' ? d.workflow.pendingTask : undefined);
    if (wedged) add('wedged-workflow-task', wedged);
    if (!d.played) {
      lose(`its life could not be played: ${d.playNote ?? 'no job'}`);
      return;
    }

    const final = expectedFinal(d);
    // The latency figure is the bridge's under chaos, not how long a refusal the run played lasted.
    const measured = DELIBERATE_STALLS.has(d.kind) ? [] : latencies;
    if (d.platform === 'vtex') checkVtex(d, final, add, lose, checked, measured);
    else checkAbbiamo(d, final, add, lose);

    const engineFinal = final && d.terminal?.kind === 'event' ? ENGINE_FINAL[final] : undefined;
    if (engineFinal && d.jobStatus && !platformCanceled && engineFinal !== d.jobStatus) {
      // The engine's truth is what the run played; a differing job status means the run is wrong.
      add('lost-delivery', `engine job is ${d.jobStatus}, the run played it to ${final}`);
      lost.add(d.serviceId);
    }
  }

  const corners: Verdict['corners'] = {};
  let largestEventBytes = 0;
  for (const d of deliveries) {
    for (const e of d.events) largestEventBytes = Math.max(largestEventBytes, e.bytes ?? 0);
    const visited = cornerVisited(d);
    if (visited === undefined) continue;
    const c = (corners[d.kind] ??= { planned: 0, visited: 0 });
    c.planned += 1;
    if (visited) c.visited += 1;
  }

  const byClass: Verdict['byClass'] = {};
  for (const f of findings) byClass[f.class] = (byClass[f.class] ?? 0) + 1;
  const byKind: Verdict['byKind'] = {};
  const withFindings = new Set(findings.map((f) => f.serviceId));
  for (const d of deliveries) {
    const k = (byKind[d.kind] ??= { deliveries: 0, withFindings: 0 });
    k.deliveries += 1;
    if (withFindings.has(d.serviceId)) k.withFindings += 1;
  }
  return {
    deliveries: deliveries.length,
    lostDeliveries: lost.size,
    lostReports: byClass['lost-report'] ?? 0,
    doubledReports: (byClass['doubled-report'] ?? 0) + (byClass['report-after-end'] ?? 0),
    unfinished: byClass['unfinished'] ?? 0,
    findings,
    byClass,
    byKind,
    checkedItems: checked,
    eventToPlatformMs: latencies,
    cancelToEngineMs: cancelLatencies,
    events,
    continuedAsNew,
    maxRun,
    corners,
    largestEventBytes,
  };
}

/** The size from which an event counts as one of the largest the webhook takes (its limit is BODY_LIMIT, 1 MiB). */
export const LARGEST_EVENT_BYTES = 900 * 1024;

/** Whether a delivery of a corner's kind really went through that corner; undefined for other kinds. */
function cornerVisited(d: CollectedDelivery): boolean | undefined {
  switch (d.kind) {
    case 'cancel-during-kill':
      return (d.commandsWhileWorkerDown ?? 0) > 0 || (d.killsDuringCancel ?? 0) > 0;
    case 'pause-during-kill':
      return (d.commandsWhileWorkerDown ?? 0) > 0;
    case 'long':
      return (d.workflow?.run ?? 1) > 1;
    case 'final-report-resent':
    case 'final-report-cleared':
      return d.finalRefusal?.flaggedAt !== undefined;
    case 'vtex-not-found':
    case 'cancel-behind-refused-reports':
      return (d.reportRefusal?.refusedCalls ?? 0) > 0;
    case 'largest-events':
      return d.events.some((e) => (e.bytes ?? 0) >= LARGEST_EVENT_BYTES);
    case 'marketplace-happy':
    case 'marketplace-cancel':
      return (d.abbiamo?.callbacks.length ?? 0) > 0;
    default:
      return undefined;
  }
}

function checkVtex(
  d: CollectedDelivery,
  expected: string | undefined,
  add: (cls: FindingClass, what: string) => void,
  lose: (what: string) => void,
  checked: { required: number; optional: number },
  latencies: number[],
): void {
  let final = expected;
  const record = d.vtex?.record;
  if (!record) {
    lose('VTEX holds no service record');
    return;
  }
  // The operator dismissed the refused reports: VTEX keeps the status it held when it began refusing
  // (the one before the end, unless the reports were still behind then: every refused one is dismissed).
  if (d.finalRefusal?.resolution === 'clear' && final) final = shownWhenRefusing(d) ?? statusBeforeEnd(d) ?? final;
  if (final && record.status !== final) {
    if (d.terminal?.kind === 'platform-cancel' && record.status !== 'CANCELED') {
      // VTEX marked it canceled when we answered its Cancel; only a later report of ours moves it back.
      const last = [...record.timeline].reverse().find((e) => e.type === 'STATUS' && e.author === 'System');
      lose(
        `VTEX canceled it, then our report set it to ${record.status}${last ? ` at ${last.date}` : ''}: a report queued before the cancel went out after it`,
      );
    } else lose(`VTEX shows ${record.status}, the engine's truth is ${final}`);
    // Canceled by us while the engine carried it on (creation gave up): every item below follows from that.
    if (record.status === 'CANCELED' && d.terminal?.kind !== 'platform-cancel') return;
  }

  // Every tracking call waits for VTEX's confirmation of the Create answer.
  const confirmedAt = d.vtex?.confirmedAt;
  if (confirmedAt !== undefined) {
    const early = (d.vtex?.calls ?? []).filter((c) => c.at < confirmedAt);
    if (early.length > 0)
      add(
        'early-call',
        `${early.length} tracking call(s) before the 5 s confirmation (first: ${early[0]!.method} ${early[0]!.hook || 'service'} ${confirmedAt - early[0]!.at} ms early)`,
      );
  }

  const platformCanceled = d.terminal?.kind === 'platform-cancel';
  const tallies = new Map<string, Tally & { what: string }>();
  const tally = (key: string, what: string, place: Place) => {
    const t = tallies.get(key) ?? { required: 0, optional: 0, forbidden: 0, what };
    if (place === 'before') t.required += 1;
    else if (place === 'ambiguous') t.optional += 1;
    else t.forbidden += 1;
    tallies.set(key, t);
  };
  let agentExpected: string | null | undefined;

  for (const event of d.events) {
    // The engine's CANCELLED in answer to the platform's own cancel is never reported back.
    if (platformCanceled && event.reaction && event.type === 'CANCELLED') continue;
    const place = placeOf(event, d, d.events);
    const note = vtexNoteOfEvent(event.type);
    if (note) tally(`note:${note}`, `${event.type} note "${note}"`, place);
    for (const evidence of event.evidences)
      tally(`evidence:${evidence}`, `evidence ${evidence} (${event.type})`, place);
    if (place === 'before' && event.resourceId) agentExpected = event.resourceId;
  }
  // What operators forced: an incident is an ERROR note with their reason, a hold an on-hold.
  let onHold: Tally = { required: 0, optional: 0, forbidden: 0 };
  for (const command of d.operator ?? []) {
    if (command.action !== 'force-status' || command.answeredAt === undefined) continue;
    if (command.status === 'INCIDENT') tally(`note:${command.why}`, `forced INCIDENT note "${command.why}"`, 'before');
    if (command.status === 'ON_HOLD') onHold = bump(onHold, 'before');
  }

  const count = (key: string): number => {
    const [kind, value] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'note') return record.notes.filter((n) => n.content.includes(value)).length;
    return record.evidences.filter((e) => e.content === value).length;
  };
  for (const [key, t] of tallies) {
    const present = count(key);
    checked.required += t.required;
    checked.optional += t.optional;
    judge(present, t, t.what, add);
  }

  const onHoldPresent = record.timeline.filter(
    (e) => e.type === 'STATUS' && e.description === 'Service on hold' && e.author === 'System',
  ).length;
  checked.required += onHold.required;
  checked.optional += onHold.optional;
  if (onHold.required + onHold.optional + onHold.forbidden > 0 || onHoldPresent > 0)
    judge(onHoldPresent, onHold, 'on-hold', add);

  const carrierCancels = record.timeline.filter(
    (e) => e.type === 'STATUS' && e.description === 'Service canceled' && e.author === 'System',
  ).length;
  const cancelRequired = final === 'CANCELED' && !platformCanceled ? 1 : 0;
  checked.required += cancelRequired;
  judge(carrierCancels, { required: cancelRequired, optional: 0, forbidden: 0 }, 'carrier cancel', add);

  if (
    (final === 'DELIVERED' || final === 'RETURNED') &&
    agentExpected !== undefined &&
    record.agentId !== agentExpected
  ) {
    add('lost-report', `agent: VTEX shows ${record.agentId ?? 'none'}, the engine's courier is ${agentExpected}`);
  }

  // Latency: each status reached, from the engine's emission to VTEX's record.
  const seenStatus = new Set<string>();
  for (const entry of record.timeline) {
    if (entry.type !== 'STATUS' || entry.author !== 'System' || !entry.status || seenStatus.has(entry.status)) continue;
    seenStatus.add(entry.status);
    const first = d.events.find((e) => STATUS_OF_EVENT[e.type] === entry.status);
    if (first && Date.parse(entry.date) >= first.createdAt) latencies.push(Date.parse(entry.date) - first.createdAt);
  }
}

function checkAbbiamo(
  d: CollectedDelivery,
  final: string | undefined,
  add: (cls: FindingClass, what: string) => void,
  lose: (what: string) => void,
): void {
  const callbacks = d.abbiamo?.callbacks ?? [];
  if (callbacks.length === 0) {
    lose('Abbiamo got no callback');
    return;
  }
  // Each status call once: the same endpoint for the same event twice is a doubled report.
  const seen = new Map<string, number>();
  for (const c of callbacks) seen.set(c.eventId, (seen.get(c.eventId) ?? 0) + 1);
  for (const [eventId, times] of seen) if (times > 1) add('doubled-report', `Abbiamo took ${eventId} ${times} times`);
  const terminal = new Map<string, string>();
  for (const c of callbacks)
    if (['DELIVERED', 'RETURNED', 'CANCELED'].includes(c.status)) terminal.set(c.eventId, c.status);
  if (final && ![...terminal.values()].includes(final)) {
    lose(`Abbiamo never heard ${final} (last: ${callbacks[callbacks.length - 1]!.status})`);
  }
  if (terminal.size > 1)
    add(
      'doubled-report',
      `${terminal.size} terminal callbacks with different event ids: ${[...terminal.values()].join(', ')}`,
    );
}

function bump(t: Tally, place: Place): Tally {
  return {
    required: t.required + (place === 'before' ? 1 : 0),
    optional: t.optional + (place === 'ambiguous' ? 1 : 0),
    forbidden: t.forbidden + (place === 'after' ? 1 : 0),
  };
}

/** Exactly `required`, plus at most `optional`; anything reported past the end is its own class. */
function judge(present: number, t: Tally, what: string, add: (cls: FindingClass, what: string) => void): void {
  if (present < t.required) add('lost-report', `${what}: VTEX holds ${present}, expected ${t.required}`);
  else if (present > t.required + t.optional) {
    if (t.forbidden > 0 && t.required + t.optional === 0)
      add('report-after-end', `${what}: reported ${present} time(s) though it came after the delivery ended`);
    else
      add(
        'doubled-report',
        `${what}: VTEX holds ${present}, expected ${t.required}${t.optional ? ` (+${t.optional} that raced the end)` : ''}`,
      );
  }
}

/** p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
