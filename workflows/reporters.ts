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
  marketplaceCanceledOnRequest,
  marketplaceCallsForEvent,
  marketplaceCreationFailed,
  marketplaceFirstReport,
  type MarketplaceCall,
} from '../mapping/eventToMarketplace';
import { vtexCallsForEvent, vtexFirstReport, type EventStatusOutcome, type VtexCall } from '../mapping/eventToVtex';
import type { JobInfo, MarketplaceTarget, VtexTarget } from './types';

export interface PlatformReporter<Call = unknown> {
  /** Time after our Create answer before the platform accepts calls (VTEX: 5 s). */
  confirmationDelayMs: number;
  firstReport(job: JobInfo, status: ServiceStatus): Call[];
  callsForEvent(event: JobEvent, outcome: EventStatusOutcome): Call[];
  creationFailed(reason: string): Call[];
  /** The delivery was canceled by a command (the platform's cancel, an operator's), not by the carrier. */
  canceledOnRequest(reason: string): Call[];
  /** Runs one call; resolves when the platform took it, rejects when it definitely refused it. */
  execute(call: Call): Promise<unknown>;
  describe(call: Call): string;
}

/**
 * Tracking hook calls: retried until VTEX takes them, with backoff capped at a minute, because a
 * status that never reaches VTEX is a lost delivery. Only definite refusals (400, other 4xx)
 * stop the retries; the workflow then flags the delivery.
 */
const vtexHooks = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export function vtexReporter(target: VtexTarget, confirmationDelayMs: number): PlatformReporter<VtexCall> {
  // Engine steps often repeat what VTEX already has (ARRIVED_TO_ORIGIN with the same driver):
  // a PATCH whose every field VTEX already holds is not sent again.
  const reported = new Map<string, string>();
  const withoutRepeatedPatch = (calls: VtexCall[]) =>
    calls.filter((call) => {
      // On-hold and cancel change VTEX's status too, so a later PATCH of the old status is news.
      if (call.kind === 'onHold') reported.set('status', JSON.stringify('ON_HOLD'));
      if (call.kind === 'cancel') reported.set('status', JSON.stringify('CANCELED'));
      if (call.kind !== 'patch') return true;
      const fields = Object.entries(call.body).map(([k, v]) => [k, JSON.stringify(v)] as const);
      if (fields.every(([k, v]) => reported.get(k) === v)) return false;
      for (const [k, v] of fields) reported.set(k, v);
      return true;
    });
  return {
    confirmationDelayMs,
    firstReport: (job, status) => withoutRepeatedPatch([vtexFirstReport(job, status)]),
    callsForEvent: (event, outcome) => withoutRepeatedPatch(vtexCallsForEvent(event, outcome)),
    creationFailed: (reason) => [
      { kind: 'notes', notes: [{ type: 'ERROR', note: `The delivery job could not be created: ${reason}`, author: 'Carrier' }] },
      { kind: 'cancel', body: { type: 'ERROR_CREATE_SERVICE', comment: reason.slice(0, 500) } },
    ],
    // VTEX asked for the cancel itself: nothing to tell it.
    canceledOnRequest: () => [],
    execute(call) {
      switch (call.kind) {
        case 'patch':
          return vtexHooks.vtexUpdateService(target, call.body);
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
 * Status callbacks to the marketplace: retried until it takes them, with backoff capped at a
 * minute, as VTEX's hooks are: a status that never arrives is a delivery the marketplace believes
 * lost. A call gets 15 s (the HTTP request itself 10 s). Definite refusals (400, other 4xx, a 401
 * or 404 that persists, headers that cannot be unsealed) are made non-retryable by the activity
 * (activities/failures.ts); the workflow then flags the delivery and goes on with the next one.
 */
const marketplaceCallbacks = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** No confirmation window: the marketplace takes callbacks as soon as the job exists. */
export const MARKETPLACE_CONFIRMATION_DELAY_MS = 0;

export function marketplaceReporter(target: MarketplaceTarget): PlatformReporter<MarketplaceCall> {
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
