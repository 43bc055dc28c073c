/**
 * The chaos run's checker (scripts/chaos/checker.ts), rule by rule, on deliveries built by hand:
 * what counts as lost, doubled, reported after the end, and what may or may not be reported.
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
    notes: [],
    evidences: [],
    labels: [],
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
    jobStatus: 'DELIVERED',
    played: true,
    events,
    commands: [],
    terminal: { kind: 'event', eventId: events[events.length - 1]!.id },
    vtex: { record: vtex, confirmedAt: T0 - 1000, calls: [] },
    ...extra,
  };
}

const happyEvents = () => [
  event('e1', 'CREATED', 0, { labels: ['label-1'] }),
  event('e2', 'ALLOCATED', 1000, { resourceId: 'courier-1', notes: ['note [a]'] }),
  event('e3', 'CLIENT_RECEIVED', 2000, { resourceId: 'courier-1', evidences: ['sig.jpg'], notes: ['done [b]'] }),
];
const happyRecord = () =>
  record({
    labels: ['label-1'],
    notes: [
      { content: 'note [a]', date: iso(1200) },
      { content: 'done [b]', date: iso(2300) },
    ],
    evidences: [{ content: 'sig.jpg', date: iso(2300) }],
    timeline: [status('ASSIGNED', 1100), status('DELIVERED', 2200)],
  });

test('a life the platform holds exactly as the engine produced it has no finding, and its latencies are measured', () => {
  const verdict = checkDeliveries([delivery(happyEvents(), happyRecord())]);
  expect(verdict.findings).toEqual([]);
  expect(verdict.checkedItems.required).toBe(4);
  expect(verdict.eventToPlatformMs.sort((a, b) => a - b)).toEqual([100, 200, 200, 300]);
});

test('a note held twice is a doubled report; a label missing is a lost report; a wrong agent is a lost report', () => {
  const r = happyRecord();
  r.notes.push({ content: 'note [a]', date: iso(5000) });
  r.labels = [];
  r.agentId = 'courier-9';
  const verdict = checkDeliveries([delivery(happyEvents(), r)]);
  expect(verdict.findings.map((f) => f.class).sort()).toEqual(['doubled-report', 'lost-report', 'lost-report']);
  expect(verdict.doubledReports).toBe(1);
  expect(verdict.lostReports).toBe(2);
  expect(verdict.lostDeliveries).toBe(0);
});

test('the same words from two events must be held twice', () => {
  const events = [
    event('e1', 'ARRIVED_TO_ORIGIN', 0, { notes: ['ring [s]'] }),
    event('e2', 'GOING_TO_DESTINATION_STARTED', 1000, { notes: ['ring [s]'] }),
    event('e3', 'CLIENT_RECEIVED', 2000),
  ];
  const r = record({ agentId: null, notes: [{ content: 'ring [s]', date: iso(100) }] });
  expect(checkDeliveries([delivery(events, r)]).findings).toMatchObject([
    { class: 'lost-report', what: expect.stringContaining('holds 1, expected 2') },
  ]);
});

test('a final status other than the engine reached is a lost delivery; no record at all is one too', () => {
  expect(checkDeliveries([delivery(happyEvents(), { ...happyRecord(), status: 'ON_ROUTE' })]).lostDeliveries).toBe(1);
  expect(checkDeliveries([delivery(happyEvents(), happyRecord(), { vtex: { calls: [] } })]).lostDeliveries).toBe(1);
});

test('after a platform cancel: events before it are owed, events after it must not show, racing ones may', () => {
  const cancelAt = 5000;
  const events = [
    event('e1', 'ALLOCATED', 0, { notes: ['before [1]'] }),
    event('e2', 'GOING_TO_ORIGIN_STARTED', cancelAt - 100, { notes: ['racing [2]'], deliveredAt: T0 + cancelAt + 100 }),
    event('e3', 'ARRIVED_TO_ORIGIN', cancelAt + 2000, { notes: ['after [3]'] }),
    event('e4', 'CANCELLED', cancelAt + 500, { reaction: true }),
  ];
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

  expect(checkDeliveries([delivery(events, held(['before [1]']), base)]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, held(['before [1]', 'racing [2]']), base)]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, held([]), base)]).findings).toMatchObject([{ class: 'lost-report' }]);
  expect(checkDeliveries([delivery(events, held(['before [1]', 'after [3]']), base)]).findings).toMatchObject([
    { class: 'report-after-end' },
  ]);
  // The engine's own CANCELLED, in answer to our cancel, must not come back to VTEX as a carrier cancel.
  const echoed = held(['before [1]']);
  echoed.timeline.push(status('CANCELED', cancelAt + 900));
  expect(checkDeliveries([delivery(events, echoed, base)]).findings).toMatchObject([
    { class: 'doubled-report', what: expect.stringContaining('carrier cancel') },
  ]);
  // A report of ours that moves VTEX off CANCELED afterwards loses the delivery; a live job is an orphan.
  expect(
    checkDeliveries([delivery(events, { ...held(['before [1]']), status: 'ON_ROUTE' }, base)]).lostDeliveries,
  ).toBe(1);
  expect(
    checkDeliveries([delivery(events, held(['before [1]']), { ...base, jobStatus: 'IN_PROGRESS' })]).findings,
  ).toMatchObject([{ class: 'orphan-job' }]);
});

test('holds: one on-hold per hold that moves the delivery; a run of holds counts once; a repeat is doubled', () => {
  const events = [
    event('e1', 'ALLOCATED', 0),
    event('h1', 'ON_HOLD', 1000),
    event('h2', 'ON_HOLD', 1500, { reaction: true }),
    event('e2', 'GOING_TO_ORIGIN_STARTED', 2000),
    event('e3', 'CLIENT_RECEIVED', 3000),
  ];
  const r = (holds: number) =>
    record({ agentId: null, timeline: Array.from({ length: holds }, (_, i) => status('ON_HOLD', 1100 + i)) });
  expect(checkDeliveries([delivery(events, r(1))]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, r(2))]).findings).toEqual([]);
  expect(checkDeliveries([delivery(events, r(3))]).findings).toMatchObject([
    { class: 'doubled-report', what: expect.stringContaining('on-hold') },
  ]);
  expect(checkDeliveries([delivery(events, r(0))]).findings).toMatchObject([
    { class: 'lost-report', what: expect.stringContaining('on-hold') },
  ]);
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
      jobStatus: 'ASSIGNED',
    }),
  ]);
  const classes = verdict.findings.map((f) => f.class);
  expect(classes).toEqual(expect.arrayContaining(['early-call', 'shared-job', 'creation-hot-loop', 'slow-cancel']));
});

test('a cancel is a finding when it never reached the engine; how long it took is a figure, not a bar', () => {
  const canceled = (serviceId: string, reachedMs: number | undefined, kills?: number) =>
    delivery(happyEvents(), happyRecord(), {
      serviceId,
      commands: [{ command: 'cancel', firstSentAt: T0, answeredAt: T0 + 100, status: 200, attempts: 1 }],
      terminal: { kind: 'platform-cancel' },
      jobStatus: reachedMs === undefined ? 'ASSIGNED' : 'CANCELLED',
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

test('marketplace: the end once; two terminal callbacks are doubled; none is lost', () => {
  const cb = (eventId: string, s: string) => ({ eventId, status: s, receivedAt: iso(0), duplicate: false });
  const market = (callbacks: ReturnType<typeof cb>[]) =>
    delivery(happyEvents(), happyRecord(), {
      platform: 'marketplace',
      kind: 'marketplace-happy',
      vtex: undefined,
      marketplace: { callbacks },
    });
  expect(checkDeliveries([market([cb('a', 'PENDING'), cb('b', 'DELIVERED')])]).findings).toEqual([]);
  expect(
    checkDeliveries([market([cb('a', 'PENDING'), cb('b', 'DELIVERED'), cb('c', 'DELIVERED')])]).doubledReports,
  ).toBe(1);
  expect(checkDeliveries([market([cb('a', 'PENDING')])]).lostDeliveries).toBe(1);
});

test('a delivery still open when the run stopped waiting is unfinished, not lost; what it doubled stays doubled', () => {
  const r = happyRecord();
  r.status = 'ON_ROUTE';
  r.labels = [];
  r.notes.push({ content: 'note [a]', date: iso(5000) });
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
