/**
 * The Delivery Engine's activities as the workflow calls them, each with the timeout and retry
 * policy chosen for its endpoint. (The platforms' report proxies live with their reporters.)
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * The job's first attempt: once, a regular activity. The server hands it straight back to this
 * worker with the workflow task's completion (eager execution, deploy/temporal/dynamicconfig.yaml).
 * Not a local activity: when one completes while its workflow task is being completed, the SDK
 * records its marker in that task but resolves it in the next one; on replay it resolves it in the
 * same task, so a timer started beside it (the Create answer's wait) no longer matches the history
 * and the delivery's every task fails (test/replay/localActivityRace.test.ts).
 */
export const engineFirst = proxyActivities<Activities>({
  startToCloseTimeout: '4s',
  retry: { maximumAttempts: 1 },
});

/** Engine reads and commands outside a delivery's inbox (a stray job's cancel): retried until the engine answers. */
export const engineJobs = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * A delivery's own commands on its job (hold, release, cancel), retried with backoff for at most
 * `timeoutMs`: past it the command failed, the delivery is flagged and its inbox moves on, so a
 * hold the engine cannot take never holds back the cancel behind it.
 */
export function engineCommands(timeoutMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '10s',
    scheduleToCloseTimeout: Math.max(10_000, timeoutMs),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
}

/** Creation calls, retried with backoff but never past `deadline` (epoch ms, workflow time). */
export function engineUntil(deadline: number) {
  const remaining = Math.max(1000, deadline - Date.now());
  return proxyActivities<Activities>({
    startToCloseTimeout: '6s',
    scheduleToCloseTimeout: remaining,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
}
