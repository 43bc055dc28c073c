/**
 * The Delivery Engine's activities as the workflow calls them, each with the timeout and retry
 * policy chosen for its endpoint. (The platforms' report proxies live with their reporters.)
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** The job's first attempt runs inside the first workflow task: no round trip to the server. */
export const engineFast = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2s',
  retry: { maximumAttempts: 1 },
});

/** Engine commands on an existing job: retried until the engine answers. */
export const engineJobs = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Creation calls, retried with backoff but never past `deadline` (epoch ms, workflow time). */
export function engineUntil(deadline: number) {
  const remaining = Math.max(1000, deadline - Date.now());
  return proxyActivities<Activities>({
    startToCloseTimeout: '6s',
    scheduleToCloseTimeout: remaining,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
}
