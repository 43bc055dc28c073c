/**
 * Drift repair (docs/runbook.md "Operators"): started by the reconcile Schedule (scripts/temporal-setup.ts)
 * every RECONCILE_INTERVAL, or by an operator (`npm run delivery -- reconcile`). Walks the open
 * deliveries of its own task queue a page at a time; the activity compares each with what its
 * platform shows, and every delivery that drifted is sent an operator `repair` command, which
 * its workflow carries out and writes in its timeline. The result counts what the run did (the
 * Web UI shows it). Deterministic code only.
 */
import { continueAsNew, getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DriftFound, ReconcileResult } from '../contracts/operations';
import { operatorSignal } from './messages';

export interface ReconcileInput {
  /** Deliveries per activity (one visibility page). */
  pageSize?: number;
  /** Set only by continue-as-new: where the run stood. */
  carried?: { pageToken: string; result: ReconcileResult };
}

export const RECONCILE_BY = 'reconciler';
const DEFAULT_PAGE_SIZE = 100;
/** Drifts kept in the result for the Web UI; the counts are complete. */
const DRIFTS_SHOWN = 50;
/** Pages per run before it continues as new: a run over many deliveries keeps a short history. */
const PAGES_PER_RUN = 50;

const { reconcilePage } = proxyActivities<Activities>({
  // A page is up to 100 queries and 100 platform GETs, 8 at a time: well under a minute.
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

export async function reconcileWorkflow(input: ReconcileInput = {}): Promise<ReconcileResult> {
  const { taskQueue } = workflowInfo();
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const result: ReconcileResult = input.carried?.result ?? {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    listed: 0,
    compared: 0,
    skipped: 0,
    drifted: 0,
    repaired: 0,
    conflicts: 0,
    unreadable: 0,
    drifts: [],
  };
  let pageToken = input.carried?.pageToken;
  for (let pages = 0; ; pages += 1) {
    if (pages >= PAGES_PER_RUN && pageToken)
      await continueAsNew<typeof reconcileWorkflow>({ pageSize, carried: { pageToken, result } });
    const page = await reconcilePage({ taskQueue, pageSize, ...(pageToken ? { pageToken } : {}) });
    result.listed += page.listed;
    result.compared += page.compared;
    result.skipped += page.skipped;
    result.unreadable += page.unreadable;
    result.conflicts += page.conflicts;
    result.drifted += page.drifts.length;
    const repaired = await Promise.all(page.drifts.map(repair));
    result.repaired += repaired.filter(Boolean).length;
    result.drifts.push(...page.drifts.slice(0, Math.max(0, DRIFTS_SHOWN - result.drifts.length)));
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  result.finishedAt = new Date().toISOString();
  return result;
}

/** The delivery repairs itself: its workflow re-sends what the platform lacks. False: it ended meanwhile. */
async function repair(found: DriftFound): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(found.serviceId).signal(operatorSignal, {
      action: 'repair',
      by: RECONCILE_BY,
      why: `the platform drifted: ${found.drift.join('; ')}`,
      drift: found.drift,
    });
    return true;
  } catch {
    return false;
  }
}
