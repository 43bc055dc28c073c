/** A closed-loop load: `concurrency` callers, each sending its next request when the last was answered. */
import { now, summarize, type LatencySummary } from './stats';

export interface LoadOptions<T> {
  concurrency: number;
  /** not recorded: connections, JIT, caches warm up */
  warmupMs: number;
  durationMs: number;
  /** one call; resolves with its outcome, `ok: false` for a failed call */
  call: () => Promise<T & { ok: boolean }>;
}

export interface LoadResult<T> {
  latency: LatencySummary;
  /** calls answered (ok) per second within the measured window */
  perSecond: number;
  errors: number;
  outcomes: T[];
  windowMs: number;
}

export async function closedLoop<T>(options: LoadOptions<T>): Promise<LoadResult<T>> {
  const start = now();
  const measureFrom = start + options.warmupMs;
  const measureTo = measureFrom + options.durationMs;
  const latencies: number[] = [];
  const outcomes: T[] = [];
  let answeredInWindow = 0;
  let errors = 0;
  const caller = async () => {
    while (now() < measureTo) {
      const sent = now();
      const outcome = await options.call();
      const done = now();
      if (sent < measureFrom) continue;
      outcomes.push(outcome);
      if (!outcome.ok) {
        errors += 1;
        continue;
      }
      latencies.push(done - sent);
      if (done <= measureTo) answeredInWindow += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  return {
    latency: summarize(latencies),
    perSecond: answeredInWindow / (options.durationMs / 1000),
    errors,
    outcomes,
    windowMs: options.durationMs,
  };
}
