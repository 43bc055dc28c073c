/**
 * The chaos run's checker (scripts/chaos/checker.ts), rule by rule, on deliveries built by hand from
 * Instaleap's events (`{id, type, created_at, job}`: the notes VTEX holds come from the event types,
 * the reasons from operators): what counts as lost, doubled, reported after the end, and what may
 * or may not be reported.
 */
import {
  checkDeliveries,
  percentile,
  type CollectedDelivery,
  type PlayedEvent,
  type VtexRecordView,
} from '../../scripts/chaos/checker';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function event(id: string, type: string, at: number, extra: Partial<PlayedEvent> = {}): PlayedEvent {
  return {
    id,
    type,
    createdAt: T0 + at,
    firstAttemptAt: T0 + at + 10,
    deliveredAt: T0 + at + 50,
    reaction: false,
    optional: false,
    evidences: [],
    ...extra,
  };
}

function record(extra: Partial<VtexRecordView> = {}): VtexRecordView {
  return { status: 'DELIVERED', agentId: 'courier-1', notes: [], evidences: [], labels: [], timeline: [], ...extra };
}

const status = (s: string, at: number, author = 'System') => ({
  type: 'STATUS',
  description: s === 'ON_HOLD' ? 'Service on hold' : s === 'CANCELED' ? 'Service canceled' : `status ${s}`,
  author,
  date: iso(at),
  status: s,
});

function delivery(
  events: PlayedEvent[],
  vtex: VtexRecordView,
  extra: Partial<CollectedDelivery> = {},
): CollectedDelivery {
  return {
    index: 0,
    kind: 'happy',
    platform: 'vtex',
    serviceId: 'vtex-T-1',
    accepted: true,
    intakeAttempts: 1,
    jobId: 'job-1',
    jobsOfDelivery: ['job-1'],
    jobStatus: 'CLIENT_RECEIVED',
    played: true,
    events,
    commands: [],
    terminal: { kind: 'event', eventId: events[events.length - 1]!.id },
    vtex: { record: vtex, confirmedAt: T0 - 1000, calls: [] },
    ...extra,
  };
}

const happyEvents = () => [
  event('e1', 'CREATED', 0),
  event('e2', 'ALLOCATED', 1000, { resourceId: 'courier-1' }),
  event('e2b', 'REFUSED', 1500, { resourceId: 'courier-1' }),
  event('e3', 'CLIENT_RECEIVED', 2000, { resourceId: 'courier-1', evidences: ['sig.jpg'] }),
];
const happyRecord = () =>
  record({
    notes: [{ content: 'Delivery refused <ref e2b/note/0>', date: iso(1800) }],
    evidences: [{ content: 'sig.jpg', date: iso(2300) }],
    timeline: [status('ASSIGNED', 1100), status('INCIDENT', 1600), status('DELIVERED', 2200)],
  });

test('a life the platform holds exactly as the engine produced it has no finding, and its latencies are measured', () => {
  const verdict = checkDeliveries([delivery(happyEvents(), happyRecord())]);
  expect(verdict.findings).toEqual([]);
  expect(verdict.checkedItems.required).toBe(2);
  expect(verdict.eventToPlatformMs.sort((a, b) => a - b)).toEqual([100, 100, 200]);
});

test('a note held twice is a doubled report; an evidence missing is a lost report; a wrong agent is a lost report', () => {
  const r = happyRecord();
  r.notes.push({ content: 'Delivery refused', date: iso(5000) });
  r.evidences = [];
  r.agentId = 'courier-9';
  const verdict = checkDeliveries([delivery(happyEvents(), r)]);
  expect(verdict.findings.map((f) => f.class).sort()).toEqual(['doubled-report', 'lost-report', 'lost-report']);
  expect(verdict.doubledReports).toBe(1);
  expect(verdict.lostReports).toBe(2);
  expect(verdict.lostDeliveries).toBe(0);
});

test('the same ERROR note from two events (a task started over twice) must be held twice', () => {
  const events = [
    event('e1', 'TASK_RESET_DELIVERY', 0),
    event('e2', 'RE_ALLOCATED', 500),
    event('e3', 'TASK_RESET_DELIVERY', 1000),
    event('e4', 'CLIENT_RECEIVED', 2000),
  ];
  const r = record({ agentId: null, notes: [{ content: 'Task started over (TASK_RESET_DELIVERY)', date: iso(100) }] });
  expect(checkDeliveries([delivery(events, r)]).findings).toMatchObject([
    { class: 'lost-report', what: expect.stringContaining('holds 1, expected 2') },
  ]);
});

test("an operator's forced INCIDENT is an ERROR note with their reason, a forced ON_HOLD an on-hold, a forced RETURNED the end", () => {
  const forced = (s: string, why: string, at: number) => ({
    action: 'force-status' as const,
    status: s,
    why,
    firstSentAt: T0 + at,
    answeredAt: T0 + at + 50,
    attempts: 1,
  });
  const events = [event('e1', 'ALLOCATED', 0), event('e2', 'REFUSED', 1000)];
  const extra = {
    operator: [forced('INCIDENT', 'Address not found [d1.inc]', 500), forced('ON_HOLD', 'Gate closed [d1.h]', 700)],
    terminal: { kind: 'operator' as const, status: 'RETURNED' },
    jobStatus: 'REFUSED',
  };
  extra.operator.push(forced('RETURNED', 'Back at the store [d1.ret]', 2000));
  const held = (notes: string[], holds: number) =>
    record({
      status: 'RETURNED',
      agentId: null,
      notes: notes.map((n) => ({ content: n, date: iso(800) })),
      timeline: [...Array.from({ length: holds }, (_, i) => status('ON_HOLD', 700 + i)), status('RETURNED', 2100)],
    });
  expect(
    checkDeliveries([delivery(events, held(['Incident: Address not found [d1.inc]', 'Delivery refused'], 1), extra)])
      .findings,
  ).toEqual([]);
  expect(checkDeliveries([delivery(events, held(['Delivery refused'], 1), extra)]).findings).toMatchObject([
    { class: 'lost-report', what: expect.stringContaining('forced INCIDENT') },
  ]);
  expect(
    checkDeliveries([delivery(events, held(['Incident: Address not found [d1.inc]', 'Delivery refused'], 2), extra)])
      .findings,
  ).toMatchObject([{ class: 'doubled-report', what: expect.stringContaining('on-hold') }]);
  // The job stays where the carrier left it: an operator's end is no engine state to compare.
  const v = checkDeliveries([delivery(events, { ...held(['Delivery refused'], 1), status: 'INCIDENT' }, extra)]);
  expect(v.lostDeliveries).toBe(1);
});

test('a final status other than the engine reached is a lost delivery; no record at all is one too', () => {
  expect(checkDeliveries([delivery(happyEvents(), { ...happyRecord(), status: 'ON_ROUTE' })]).lostDeliveries).toBe(1);
  expect(checkDeliveries([delivery(happyEvents(), happyRecord(), { vtex: { calls: [] } })]).lostDeliveries).toBe(1);
});

test('after a platform cancel: events before it are owed, events after it must not show, racing ones may', () => {
  const cancelAt = 5000;
  // Each event's ERROR note stands for what it reported.
  const events = [
    event('e1', 'REFUSED', 0),
    event('e2', 'TASK_RESET_PICKING', cancelAt - 100, { deliveredAt: T0 + cancelAt + 100 }),
    event('e3', 'TASK_RESET_DELIVERY', cancelAt + 2000),
    event('e4', 'CANCELLED', cancelAt + 500, { reaction: true }),
  ];
  const before = 'Delivery refused';
  const racing = 'Task started over (TASK_RESET_PICKING)';
  const after = 'Task started over (TASK_RESET_DELIVERY)';
  const commands = [
    {
      command: 'cancel' as const,
      firstSentAt: T0 + cancelAt,
      answeredAt: T0 + cancelAt + 300,
      status: 200,
      attempts: 1,
    },
  ];
  const base = {
    commands,
    terminal: { kind: 'platform-cancel' as const },
    jobStatus: 'CANCELLED',
    cancelReachedEngineMs: 1000,
  };
  const held = (notes: string[]) =>
    record({
      status: 'CANCELED',
      notes: notes.map((n) => ({ content: n, date: iso(6000) })),
      timeline: [status('CANCELED', cancelAt + 300, 'VTEX')],
    });

  expect(checkDeliveries([delivery(events, held([before]), base)]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, held([before, racing]), base)]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, held([]), base)]).findings).toMatchObject([{ class: 'lost-report' }]);
  expect(checkDeliveries([delivery(events, held([before, after]), base)]).findings).toMatchObject([
    { class: 'report-after-end' },
  ]);
  // The engine's own CANCELLED, in answer to our cancel, must not come back to VTEX as a carrier cancel.
  const echoed = held([before]);
  echoed.timeline.push(status('CANCELED', cancelAt + 900));
  expect(checkDeliveries([delivery(events, echoed, base)]).findings).toMatchObject([
    { class: 'doubled-report', what: expect.stringContaining('carrier cancel') },
  ]);
  // A report of ours that moves VTEX off CANCELED afterwards loses the delivery; a live job is an orphan.
  expect(checkDeliveries([delivery(events, { ...held([before]), status: 'ON_ROUTE' }, base)]).lostDeliveries).toBe(1);
  expect(
    checkDeliveries([delivery(events, held([before]), { ...base, jobStatus: 'ALLOCATED' })]).findings,
  ).toMatchObject([{ class: 'orphan-job' }]);
});

test('a tracking call before the confirmation, a shared job, a hot creation loop, a cancel that never reached the engine are each named', () => {
  const verdict = checkDeliveries([
    delivery(happyEvents(), happyRecord(), {
      vtex: {
        record: happyRecord(),
        confirmedAt: T0,
        calls: [{ at: T0 - 400, method: 'PATCH', hook: '', status: 404 }],
      },
      workflowJobId: 'job-1',
      workflowJobOwner: 'vtex-T-2',
      refusedCreates: { calls: 120, windowMs: 30_000 },
    }),
    delivery(happyEvents(), happyRecord(), {
      serviceId: 'vtex-T-3',
      commands: [{ command: 'cancel', firstSentAt: T0, answeredAt: T0 + 100, status: 200, attempts: 1 }],
      terminal: { kind: 'platform-cancel' },
      jobStatus: 'ALLOCATED',
    }),
  ]);
  const classes = verdict.findings.map((f) => f.class);
  expect(classes).toEqual(expect.arrayContaining(['early-call', 'shared-job', 'creation-hot-loop', 'slow-cancel']));
});

test('a second job a lost create answer left is fine once canceled as a stray; still live, it is a doubled job', () => {
  const twoJobs = (strayState: string) =>
    delivery(happyEvents(), happyRecord(), {
      jobId: 'job-2',
      jobsOfDelivery: ['job-1', 'job-2'],
      jobStates: { 'job-1': strayState, 'job-2': 'CLIENT_RECEIVED' },
    });
  expect(checkDeliveries([twoJobs('CANCELLED')]).findings).toEqual([]);
  expect(checkDeliveries([twoJobs('ALLOCATED')]).findings).toMatchObject([
    { class: 'doubled-job', what: expect.stringContaining('job-1 is ALLOCATED') },
  ]);
});

test('a cancel is a finding when it never reached the engine; how long it took is a figure, not a bar', () => {
  const canceled = (serviceId: string, reachedMs: number | undefined, kills?: number) =>
    delivery(happyEvents(), happyRecord(), {
      serviceId,
      commands: [{ command: 'cancel', firstSentAt: T0, answeredAt: T0 + 100, status: 200, attempts: 1 }],
      terminal: { kind: 'platform-cancel' },
      jobStatus: reachedMs === undefined ? 'ALLOCATED' : 'CANCELLED',
      ...(reachedMs === undefined ? {} : { cancelReachedEngineMs: reachedMs }),
      ...(kills === undefined ? {} : { killsDuringCancel: kills }),
    });
  const verdict = checkDeliveries([
    canceled('vtex-T-a', 29_000),
    canceled('vtex-T-b', 95_000, 3),
    canceled('vtex-T-c', 400_000),
    canceled('vtex-T-d', undefined),
  ]);
  expect(verdict.findings.filter((f) => f.class === 'slow-cancel').map((f) => f.serviceId)).toEqual(['vtex-T-d']);
  expect(verdict.cancelToEngineMs.sort((a, b) => a - b)).toEqual([29_000, 95_000, 400_000]);
});

test('an open workflow whose task fails with a nondeterminism error, or fails again and again, is a finding', () => {
  const open = (serviceId: string, pendingTask: NonNullable<CollectedDelivery['workflow']>['pendingTask']) =>
    delivery(happyEvents(), happyRecord(), { serviceId, workflow: { status: 'RUNNING', pendingTask } });
  const verdict = checkDeliveries([
    open('vtex-T-nd', {
      attempt: 1,
      lastFailure: {
        cause: 'WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR',
        message: 'Timer machine does not handle this event: HistoryEvent(id: 14, UpsertWorkflowSearchAttributes)',
      },
    }),
    open('vtex-T-nd2', {
      attempt: 2,
      lastFailure: {
        cause: 'WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE',
        message: '[TMPRL1100] Nondeterminism error: No command scheduled for event TimerStarted',
      },
    }),
    open('vtex-T-again', {
      attempt: 3,
      lastFailure: { cause: 'WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE', message: 'boom' },
    }),
    open('vtex-T-once', {
      attempt: 2,
      lastFailure: { cause: 'WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE', message: 'worker lost' },
    }),
    open('vtex-T-fine', { attempt: 1 }),
  ]);
  const wedged = verdict.findings.filter((f) => f.class === 'wedged-workflow-task');
  expect(wedged.map((f) => f.serviceId)).toEqual(['vtex-T-nd', 'vtex-T-nd2', 'vtex-T-again']);
  expect(wedged[0]!.what).toMatch(/nondeterminism.*Timer machine does not handle this event/i);
  expect(wedged[2]!.what).toMatch(/attempt 3.*boom/);
  expect(verdict.byClass['wedged-workflow-task']).toBe(3);
});

test('Abbiamo: the end once; two terminal callbacks are doubled; none is lost', () => {
  const cb = (eventId: string, s: string) => ({ eventId, status: s, receivedAt: iso(0), duplicate: false });
  const market = (callbacks: ReturnType<typeof cb>[]) =>
    delivery(happyEvents(), happyRecord(), {
      platform: 'marketplace',
      kind: 'marketplace-happy',
      vtex: undefined,
      abbiamo: { callbacks },
    });
  expect(checkDeliveries([market([cb('a', 'PENDING'), cb('b', 'DELIVERED')])]).findings).toEqual([]);
  expect(
    checkDeliveries([market([cb('a', 'PENDING'), cb('b', 'DELIVERED'), cb('c', 'DELIVERED')])]).doubledReports,
  ).toBe(1);
  expect(checkDeliveries([market([cb('a', 'PENDING')])]).lostDeliveries).toBe(1);
  // The same status call for the same event taken twice is doubled too.
  expect(
    checkDeliveries([market([cb('a', 'PENDING'), cb('a', 'PENDING'), cb('b', 'DELIVERED')])]).findings,
  ).toMatchObject([{ class: 'doubled-report', what: expect.stringContaining('a 2 times') }]);
});

test('a final report refused for good: flagged then resent holds everything once; flagged then cleared keeps the status before it', () => {
  const flagged = { refusedCalls: 3, flaggedAt: T0 + 3000 };
  const resent = delivery(happyEvents(), happyRecord(), {
    kind: 'final-report-resent',
    finalRefusal: { resolution: 'resend', ...flagged },
    workflow: { status: 'COMPLETED' },
  });
  expect(checkDeliveries([resent]).findings).toEqual([]);
  expect(checkDeliveries([resent]).corners).toEqual({ 'final-report-resent': { planned: 1, visited: 1 } });

  // Cleared: VTEX keeps INCIDENT (the REFUSED before the end) and never gets the proof of delivery.
  const cleared = (r: VtexRecordView) =>
    delivery(happyEvents(), r, {
      kind: 'final-report-cleared',
      finalRefusal: { resolution: 'clear', ...flagged },
      workflow: { status: 'COMPLETED' },
    });
  const keptBefore = { ...happyRecord(), status: 'INCIDENT', evidences: [] };
  expect(checkDeliveries([cleared(keptBefore)]).findings).toEqual([]);
  expect(checkDeliveries([cleared({ ...keptBefore, status: 'DELIVERED' })]).lostDeliveries).toBe(1);
  expect(checkDeliveries([cleared(happyRecord())]).findings.map((f) => f.class)).toContain('report-after-end');
  // VTEX began refusing before it took the status before the end (ASSIGNED at the first 400): the clear
  // dismissed that status too, and VTEX keeps ASSIGNED.
  const refusedEarly = (shown: string) =>
    delivery(
      happyEvents(),
      { ...happyRecord(), status: shown, evidences: [], timeline: [status('ASSIGNED', 1100)] },
      {
        kind: 'final-report-cleared',
        finalRefusal: { resolution: 'clear', ...flagged },
        workflow: { status: 'COMPLETED' },
        vtex: {
          record: { ...happyRecord(), status: shown, evidences: [], timeline: [status('ASSIGNED', 1100)] },
          confirmedAt: T0 - 1000,
          calls: [{ at: T0 + 1400, method: 'PATCH', hook: '', status: 400 }],
        },
      },
    );
  expect(checkDeliveries([refusedEarly('ASSIGNED')]).findings).toEqual([]);
  expect(checkDeliveries([refusedEarly('PENDING')]).lostDeliveries).toBe(1);

  // Never seen flagged: the refusal went unnoticed (or the delivery closed without the report).
  const unflagged = delivery(happyEvents(), happyRecord(), {
    kind: 'final-report-resent',
    finalRefusal: { resolution: 'resend', refusedCalls: 2, flagNote: 'last seen DELIVERED, needsAttention false' },
  });
  const v = checkDeliveries([unflagged]);
  expect(v.findings).toMatchObject([{ class: 'refusal-not-flagged' }]);
  expect(v.corners['final-report-resent']).toEqual({ planned: 1, visited: 0 });
});

test('a platform answering 404 for a while: reports arrive once after; a cancel of ours is a lost delivery', () => {
  const notFound = (extra: Partial<CollectedDelivery>) =>
    delivery(happyEvents(), happyRecord(), {
      kind: 'vtex-not-found',
      reportRefusal: { status: 404, refusedCalls: 7 },
      ...extra,
    });
  const fine = checkDeliveries([notFound({})]);
  expect(fine.findings).toEqual([]);
  expect(fine.corners['vtex-not-found']).toEqual({ planned: 1, visited: 1 });
  const canceled = checkDeliveries([
    notFound({
      vtex: {
        record: { ...happyRecord(), status: 'CANCELED' },
        confirmedAt: T0 - 1000,
        calls: [{ at: T0 + 100, method: 'POST', hook: 'cancel', status: 200 }],
      },
      jobStatus: 'CANCELLED',
    }),
  ]);
  expect(canceled.findings.map((f) => f.class)).toContain('canceled-on-refusal');
  expect(canceled.lostDeliveries).toBe(1);
});

test('corners: a command sent while the worker was down, a workflow continued as new, an event of the largest size', () => {
  const v = checkDeliveries([
    delivery(happyEvents(), happyRecord(), {
      serviceId: 'vtex-T-k1',
      kind: 'pause-during-kill',
      commandsWhileWorkerDown: 1,
    }),
    delivery(happyEvents(), happyRecord(), { serviceId: 'vtex-T-k2', kind: 'pause-during-kill' }),
    delivery(happyEvents(), happyRecord(), {
      serviceId: 'vtex-T-l',
      kind: 'long',
      workflow: { status: 'COMPLETED', run: 3 },
    }),
    delivery(
      happyEvents().map((e) => ({ ...e, bytes: 1_000_000 })),
      happyRecord(),
      { serviceId: 'vtex-T-x', kind: 'largest-events' },
    ),
    delivery(happyEvents(), happyRecord(), { serviceId: 'vtex-T-h' }),
  ]);
  expect(v.findings).toEqual([]);
  expect(v.corners).toEqual({
    'pause-during-kill': { planned: 2, visited: 1 },
    long: { planned: 1, visited: 1 },
    'largest-events': { planned: 1, visited: 1 },
  });
  expect(v.largestEventBytes).toBe(1_000_000);
  expect(v.maxRun).toBe(3);
});

test('a delivery still open when the run stopped waiting is unfinished, not lost; what it doubled stays doubled', () => {
  const r = happyRecord();
  r.status = 'ON_ROUTE';
  r.evidences = [];
  r.notes.push({ content: 'Delivery refused', date: iso(5000) });
  const verdict = checkDeliveries([delivery(happyEvents(), r, { workflow: { status: 'RUNNING' } })]);
  expect(verdict.lostDeliveries).toBe(0);
  expect(verdict.unfinished).toBe(1);
  expect(verdict.findings.map((f) => f.class).sort()).toEqual(['doubled-report', 'unfinished']);
});

test('percentile by nearest rank', () => {
  expect(percentile([], 99)).toBeUndefined();
  expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  expect(
    percentile(
      Array.from({ length: 100 }, (_, i) => i + 1),
      99,
    ),
  ).toBe(99);
});
