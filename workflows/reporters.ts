/**
 * How a delivery reports to its platform. The workflow is the same for every platform; a reporter
 * turns its decisions (first report, carrier event, creation failure) into the platform's calls and
 * runs each call as an activity with a timeout and retry policy chosen for that endpoint.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { JobEvent } from '../contracts/deliveryEngine';
import type { ServiceStatus } from '../contracts/vtex';
import type { Activities } from '../activities';
import {
  abbiamoCallsForEvent,
  abbiamoCanceledOnRequest,
  abbiamoConfirm,
  abbiamoCreationFailed,
  type AbbiamoCall,
  type AbbiamoMemory,
  type AbbiamoPlan,
} from '../mapping/eventToAbbiamo';
import { vtexCallsForEvent, vtexFirstReport, type EventStatusOutcome, type VtexCall } from '../mapping/eventToVtex';

import type { AbbiamoTarget, DeliveryStatus, JobInfo, PlatformRecord, VtexTarget } from '../contracts/delivery';
import type { PlatformCall, ReporterMemory } from '../contracts/platformCalls';

type VtexPatch = Extract<VtexCall, { kind: 'patch' }>;

/**
 * Its methods are declared as methods, so a reporter of one platform's calls stands for any
 * (workflows/platforms.ts): a delivery only ever hands its reporter the calls that reporter made.
 */
export interface PlatformReporter<Call extends PlatformCall = PlatformCall> {
  /** Time after our Create answer before the platform accepts calls (VTEX: 5 s). */
  confirmationDelayMs: number;
  firstReport(job: JobInfo, status: DeliveryStatus): Call[];
  callsForEvent(event: JobEvent, outcome: EventStatusOutcome): Call[];
  creationFailed(reason: string): Call[];
  /** The delivery was canceled by a command (the platform's cancel, an operator's), not by the carrier. */
  canceledOnRequest(reason: string): Call[];
  /** Canceled by an operator: the platform did not ask, so it is told (as of a carrier cancel). */
  canceledByOperator(reason: string): Call[];
  /** Whether a call the platform took is kept for a later `repair` (the delivery's record, not a repeatable status). */
  keptForRepair(call: Call): boolean;
  /**
   * The calls that bring the platform back to what the delivery told it: its status and fields as
   * last sent, and the kept calls (notes, evidences, labels, each idempotent at the platform).
   */
  repair(kept: Call[]): Call[];
  /** What the platform took, from the kept calls and the reporter's memory. */
  record(kept: Call[]): PlatformRecord;
  /**
   * Whether a call still waiting in the outbox is moot once the platform itself canceled the
   * delivery (a status the platform would no longer show). Such calls are dropped, not sent.
   */
  supersededByPlatformCancel?(call: Call): boolean;
  /** Whether the call sets the platform's status (a later one that the platform took makes it stale). */
  setsStatus?(call: Call): boolean;
  /**
   * What of a refused call that sets the status still holds once a later status was taken: sent
   * again on an operator's resend in place of it (undefined: nothing).
   */
  withoutStaleStatus?(call: Call): Call | undefined;
  /**
   * Runs one call; resolves when the platform took it, rejects when it definitely refused it.
   * `eventAt`: when the carrier event it reports happened, for the worker's metrics.
   */
  execute(call: Call, eventAt?: string): Promise<unknown>;
  describe(call: Call): string;
}

/**
 * Status reports (VTEX's PATCH, Abbiamo's status calls) run as regular activities, recorded in the
 * history the moment they complete and retried by the server: a report is sent once per success,
 * whatever happens to the worker. The server hands each one straight back to the worker that
 * scheduled it (eager execution, deploy/temporal/dynamicconfig.yaml), so a report costs no extra
 * round trip through matching. They were local activities, which broke replay: one that completes
 * while its workflow task is being completed has its marker recorded in that task but is resolved
 * in the next one live, and in the same one on replay; a timer beside it (the report's patience,
 * a retry's backoff) then no longer matches the history and the delivery's every task fails
 * (test/replay/localActivityRace.test.ts).
 *
 * Every report is retried until the platform takes it, with backoff capped at a minute, because a
 * status that never arrives is a lost delivery. Only definite refusals (400, other 4xx:
 * activities/failures.ts) stop the retries; the workflow then flags the delivery.
 */
const REPORT_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

/** VTEX PATCH: 8 s per HTTP call, at most two calls (token renewal). */
const vtexStatus = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: REPORT_RETRY,
});

/** VTEX notes, evidences, labels, cancel, on-hold: a read-back on retries, then the call. */
const vtexHooks = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: REPORT_RETRY,
});

/** The packages' labels: a read-back, then up to two posts per package (PDF and ZPL). */
const vtexLabelHook = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: REPORT_RETRY,
});

export function vtexReporter(
  target: VtexTarget,
  confirmationDelayMs: number,
  memory: ReporterMemory,
  packages: number,
): PlatformReporter<VtexCall> {
  // Engine steps often repeat what VTEX already has (ARRIVED_TO_ORIGIN with the same driver):
  // a PATCH whose every field VTEX already holds is not sent again.
  // Field -> JSON of the value VTEX last took; kept in the delivery's state (continue-as-new carries it).
  const reported = (memory.vtexFields ??= {});
  const withoutRepeatedPatch = (calls: VtexCall[]) =>
    calls.filter((call) => {
      // On-hold and cancel change VTEX's status too, so a later PATCH of the old status is news.
      if (call.kind === 'onHold') reported.status = JSON.stringify('ON_HOLD');
      if (call.kind === 'cancel') reported.status = JSON.stringify('CANCELED');
      if (call.kind !== 'patch') return true;
      const fields = Object.entries(call.body).map(([k, v]) => [k, JSON.stringify(v)] as const);
      if (fields.every(([k, v]) => reported[k] === v)) return false;
      for (const [k, v] of fields) reported[k] = v;
      return true;
    });
  return {
    confirmationDelayMs,
    // The carrier's labels go with the first report: VTEX lists them beside the ones of our Create answer.
    firstReport: (job, status) =>
      withoutRepeatedPatch([vtexFirstReport(job, status), { kind: 'packageLabels', packages }]),
    callsForEvent: (event, outcome) => withoutRepeatedPatch(vtexCallsForEvent(event, outcome)),
    creationFailed: (reason) => [
      {
        kind: 'notes',
        notes: [{ type: 'ERROR', note: `The delivery job could not be created: ${reason}`, author: 'Carrier' }],
      },
      { kind: 'cancel', body: { type: 'ERROR_CREATE_SERVICE', comment: reason.slice(0, 500) } },
    ],
    // VTEX asked for the cancel itself: nothing to tell it.
    canceledOnRequest: () => [],
    canceledByOperator: (reason) =>
      withoutRepeatedPatch([{ kind: 'cancel', body: { type: 'OTHER', comment: reason.slice(0, 500) } }]),
    keptForRepair: (call) => call.kind !== 'patch',
    setsStatus: (call) => (call.kind === 'patch' && call.body.status !== undefined) || call.kind === 'onHold',
    // A PATCH keeps the fields it carried beside its status (the driver, the eta): later PATCHes
    // carry only what changed. An on-hold is a status and nothing else.
    withoutStaleStatus: (call) => {
      if (call.kind === 'onHold') return undefined;
      if (call.kind !== 'patch') return call;
      const { status: _stale, ...fields } = call.body;
      return Object.keys(fields).length > 0 ? { kind: 'patch', body: fields } : undefined;
    },
    repair(kept) {
      // Every field VTEX took, in one PATCH (its status only where a PATCH may set it), then the record.
      const fields = Object.fromEntries(Object.entries(reported).map(([k, v]) => [k, JSON.parse(v) as unknown]));
      const status = fields.status as ServiceStatus | undefined;
      if (status === 'ON_HOLD' || status === 'CANCELED') delete fields.status;
      const calls: VtexCall[] = [];
      if (Object.keys(fields).length > 0) calls.push({ kind: 'patch', body: fields as VtexPatch['body'] });
      const lastHold = [...kept].reverse().find((c) => c.kind === 'onHold');
      if (status === 'ON_HOLD' && lastHold) calls.push(lastHold);
      const record = kept.filter(
        (c) => c.kind === 'notes' || c.kind === 'evidences' || c.kind === 'label' || c.kind === 'packageLabels',
      );
      return [...calls, ...record];
    },
    record(kept) {
      const agent = reported.agent ? (JSON.parse(reported.agent) as { id?: string } | null) : undefined;
      let notes = 0;
      let evidences = 0;
      for (const call of kept) {
        if (call.kind === 'notes') notes += call.notes.length;
        if (call.kind === 'evidences') evidences += call.evidences.length;
      }
      return { ...(agent?.id ? { driverId: agent.id } : {}), notes, evidences };
    },
    // VTEX shows CANCELED from its own cancel on: a status PATCH still waiting would overwrite it.
    // Notes, evidences and labels are the delivery's record and still go.
    supersededByPlatformCancel: (call) => call.kind === 'patch',
    execute(call, eventAt) {
      const timing = eventAt ? { eventAt } : undefined;
      switch (call.kind) {
        case 'patch':
          return vtexStatus.vtexUpdateService(target, call.body, timing);
        case 'notes':
          return vtexHooks.vtexAddNotes(target, call.notes, timing);
        case 'evidences':
          return vtexHooks.vtexAddEvidences(target, call.evidences, timing);
        case 'label':
          return vtexHooks.vtexAddLabel(target, call.label, timing);
        case 'packageLabels':
          return vtexLabelHook.vtexPostPackageLabels(target, call.packages);
        case 'cancel':
          return vtexHooks.vtexCancelService(target, call.body, timing);
        case 'onHold':
          return vtexHooks.vtexHoldService(target, call.body, timing);
      }
    },
    describe(call) {
      switch (call.kind) {
        case 'patch':
          return `PATCH status ${call.body.status ?? '(unchanged)'}`;
        case 'notes':
          return `POST notes (${call.notes.length})`;
        case 'evidences':
          return `POST evidences (${call.evidences.length})`;
        case 'label':
          return `POST label ${call.label.id}`;
        case 'packageLabels':
          return `POST labels of ${call.packages} package(s)`;
        case 'cancel':
          return `POST cancel ${call.body.type}`;
        case 'onHold':
          return `POST on-hold ${call.body.type}`;
      }
    },
  };
}

/**
 * Abbiamo's status endpoints (docs/marketplace.md): a call gets 15 s, the HTTP request itself 10 s.
 * 5xx and 429 are retried (Retry-After honoured); Abbiamo's refusals (EVENT_CANNOT_BE_TERMINAL_AGAIN
 * and the others), other 4xx, and headers that cannot be unsealed are made non-retryable by the
 * activity (activities/failures.ts), and the workflow records and flags them.
 */
const abbiamoStatus = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: REPORT_RETRY,
});

/** No confirmation window: Abbiamo takes the confirmation as soon as the job exists. */
export const ABBIAMO_CONFIRMATION_DELAY_MS = 0;

export function abbiamoReporter(target: AbbiamoTarget, memory: ReporterMemory): PlatformReporter<AbbiamoCall> {
  // Workflow time: deterministic on replay.
  const now = () => Date.now();
  // `event_at` order, the terminal sent, the pickup code sent: kept in the delivery's state.
  const remember = ({ calls, memory: next }: AbbiamoPlan): AbbiamoCall[] => {
    memory.abbiamo = next;
    return calls;
  };
  const known = (): AbbiamoMemory => memory.abbiamo ?? {};
  return {
    confirmationDelayMs: ABBIAMO_CONFIRMATION_DELAY_MS,
    firstReport: (job) => remember(abbiamoConfirm(target, known(), job, now())),
    callsForEvent: (event, outcome) => remember(abbiamoCallsForEvent(target, known(), event, outcome, now())),
    creationFailed: (reason) => remember(abbiamoCreationFailed(target, known(), reason, now())),
    canceledOnRequest: (reason) => remember(abbiamoCanceledOnRequest(target, known(), reason, now())),
    // A reason without Abbiamo's own prefix is reported as `canceled` (mapping/eventToAbbiamo.ts).
    canceledByOperator: (reason) => remember(abbiamoCanceledOnRequest(target, known(), reason, now())),
    keptForRepair: () => true,
    // Abbiamo shows the last step it took: that one again, dated now (Abbiamo drops an event no
    // later than the last it took); a terminal one it refuses again is flagged.
    repair: (kept) =>
      kept.slice(-1).map((call) => {
        const last = known().lastEventAt ?? 0;
        const at = Math.max(now(), last + 1);
        memory.abbiamo = { ...known(), lastEventAt: at };
        return { ...call, body: { ...call.body, event_at: new Date(at).toISOString() } };
      }),
    record: () => ({ notes: 0, evidences: 0 }),
    // Abbiamo's own cancel is terminal there (ORDER_FAILED): it refuses every status dated after it.
    supersededByPlatformCancel: () => true,
    execute: (call) => abbiamoStatus.abbiamoReport(target, call),
    describe: (call) =>
      `POST ${call.endpoint}${call.body.sub_status ? ` ${call.body.sub_status}` : ''} (${call.body.event_at})`,
  };
}
