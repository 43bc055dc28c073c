/**
 * How a delivery reports to its platform. The workflow is the same for every platform; a reporter
 * turns its decisions (first report, carrier event, creation failure) into the platform's calls and
 * runs each call as an activity with a timeout and retry policy chosen for that endpoint.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { JobEvent } from '../contracts/deliveryEngine';
import type { ServiceStatus } from '../contracts/vtex';
import type { Activities } from '../activities';
import {
  marketplaceCanceledOnRequest,
  marketplaceCallsForEvent,
  marketplaceCreationFailed,
  marketplaceFirstReport,
  type MarketplaceCall,
} from '../mapping/eventToMarketplace';
import { vtexCallsForEvent, vtexFirstReport, type EventStatusOutcome, type VtexCall } from '../mapping/eventToVtex';
import type { JobInfo, MarketplaceTarget, ReporterMemory, VtexTarget } from '../contracts/delivery';

export interface PlatformReporter<Call = unknown> {
  /** Time after our Create answer before the platform accepts calls (VTEX: 5 s). */
  confirmationDelayMs: number;
  firstReport(job: JobInfo, status: ServiceStatus): Call[];
  callsForEvent(event: JobEvent, outcome: EventStatusOutcome): Call[];
  creationFailed(reason: string): Call[];
  /** The delivery was canceled by a command (the platform's cancel, an operator's), not by the carrier. */
  canceledOnRequest(reason: string): Call[];
  /**
   * Whether a call still waiting in the outbox is moot once the platform itself canceled the
   * delivery (a status the platform would no longer show). Such calls are dropped, not sent.
   */
  supersededByPlatformCancel?(call: Call): boolean;
  /** Runs one call; resolves when the platform took it, rejects when it definitely refused it. */
  execute(call: Call): Promise<unknown>;
  describe(call: Call): string;
}

/**
 * Status reports (VTEX's PATCH, the marketplace's callbacks) run as local activities: in the
 * workflow task that received the event, with no round trip through the server to dispatch them.
 * The status reaches the platform sooner and the server, the first thing to saturate, does a third
 * of the work per event. They are safe to run again (a PATCH of the same fields; a callback with
 * the same event_id), which a local activity may do if its workflow task fails. Notes, evidences,
 * labels, cancel and on-hold are not: they stay regular activities, recorded the moment they
 * succeed, and read VTEX back before any retry (activities/vtex.ts).
 *
 * Every report is retried until the platform takes it, with backoff capped at a minute, because a
 * status that never arrives is a lost delivery; local retries past `localRetryThreshold` wait on
 * durable timers, so a platform down for hours holds no task open. Only definite refusals (400,
 * other 4xx: activities/failures.ts) stop the retries; the workflow then flags the delivery.
 */
const REPORT_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

/** VTEX PATCH: 8 s per HTTP call, at most two calls (token renewal). */
const vtexStatus = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20s',
  localRetryThreshold: '5s',
  retry: REPORT_RETRY,
});

/** VTEX notes, evidences, labels, cancel, on-hold: a read-back on retries, then the call. */
const vtexHooks = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: REPORT_RETRY,
});

export function vtexReporter(
  target: VtexTarget,
  confirmationDelayMs: number,
  memory: ReporterMemory,
): PlatformReporter<VtexCall> {
  // Engine steps often repeat what VTEX already has (ARRIVED_TO_ORIGIN with the same driver):
  // a PATCH whose every field VTEX already holds is not sent again.
  // Field -> JSON of the value VTEX last took; kept in the delivery's state (continue-as-new carries it).
  const reported = ((memory.vtexFields as Record<string, string> | undefined) ??= {});
  memory.vtexFields = reported;
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
    firstReport: (job, status) => withoutRepeatedPatch([vtexFirstReport(job, status)]),
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
    // VTEX shows CANCELED from its own cancel on: a status PATCH still waiting would overwrite it.
    // Notes, evidences and labels are the delivery's record and still go.
    supersededByPlatformCancel: (call) => call.kind === 'patch',
    execute(call) {
      switch (call.kind) {
        case 'patch':
          return vtexStatus.vtexUpdateService(target, call.body);
        case 'notes':
          return vtexHooks.vtexAddNotes(target, call.notes);
        case 'evidences':
          return vtexHooks.vtexAddEvidences(target, call.evidences);
        case 'label':
          return vtexHooks.vtexAddLabel(target, call.label);
        case 'cancel':
          return vtexHooks.vtexCancelService(target, call.body);
        case 'onHold':
          return vtexHooks.vtexHoldService(target, call.body);
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
        case 'cancel':
          return `POST cancel ${call.body.type}`;
        case 'onHold':
          return `POST on-hold ${call.body.type}`;
      }
    },
  };
}

/**
 * Status callbacks to the marketplace: the same policy as VTEX's hooks (a call gets 15 s, the HTTP
 * request itself 10 s). Definite refusals (400, other 4xx, a 401 or 404 that persists, headers
 * that cannot be unsealed) are made non-retryable by the activity (activities/failures.ts).
 */
const marketplaceCallbacks = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  localRetryThreshold: '5s',
  retry: REPORT_RETRY,
});

/** No confirmation window: the marketplace takes callbacks as soon as the job exists. */
export const MARKETPLACE_CONFIRMATION_DELAY_MS = 0;

export function marketplaceReporter(
  target: MarketplaceTarget,
  // Unused by the callbacks today; Abbiamo's protocol (event_at order) keeps its memory here.
  _memory: ReporterMemory,
): PlatformReporter<MarketplaceCall> {
  // Workflow time: deterministic on replay.
  const now = () => new Date().toISOString();
  return {
    confirmationDelayMs: MARKETPLACE_CONFIRMATION_DELAY_MS,
    firstReport: (job, status) => [marketplaceFirstReport(target, job, status, now())],
    callsForEvent: (event, outcome) => marketplaceCallsForEvent(target, event, outcome),
    creationFailed: (reason) => [marketplaceCreationFailed(target, reason, now())],
    canceledOnRequest: (reason) => [marketplaceCanceledOnRequest(target, reason, now())],
    execute: (call) => marketplaceCallbacks.marketplaceSendStatus(target, call.body),
    describe: (call) => `POST status ${call.body.status} (${call.body.event_id})`,
  };
}
