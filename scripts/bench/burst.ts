/**
 * 2. Burst: N Create service calls at C concurrent. Every one answered within 5 s (PENDING early
 * where the workflow had not answered in time), then every delivery's job exists exactly once at
 * the engine sandbox: none lost, none doubled.
 */
import { vtexServiceId } from '../../mapping/ids';
import { requestJson } from './http';
import { createServiceBody, forEachConcurrently, postCreateService, type CreateOutcome } from './deliveries';
import { CpuMeter, undisturbed } from './processes';
import type { BenchEnvironment, Services } from './stack';
import { now, sleep, summarize, type LatencySummary } from './stats';

export interface BurstResult {
  total: number;
  concurrency: number;
  latency: LatencySummary;
  answered: number;
  failed: number;
  over5s: number;
  withJob: number;
  pendingEarly: number;
  jobsExactlyOnce: number;
  jobsMissing: number;
  jobsDoubled: number;
  elapsedMs: number;
  jobsCompleteAfterMs: number;
  cpu: Record<string, number>;
}

export async function measureBurst(
  env: BenchEnvironment,
  services: Services,
  total: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<BurstResult> {
  // A disturbed burst is sent again with new orders: the same orders again would only join their workflows.
  const { bodies, outcomes, elapsedMs, cpu } = await undisturbed(`burst ${total} x${concurrency}`, log, async () => {
    const bodies = Array.from({ length: total }, () => createServiceBody());
    const outcomes: Array<CreateOutcome & { ms: number }> = [];
    const meter = new CpuMeter(env.pids(services, false));
    const started = now();
    await forEachConcurrently(bodies, concurrency, async (body) => {
      const sent = now();
      const outcome = await postCreateService(services.apiUrl, body);
      outcomes.push({ ...outcome, ms: now() - sent });
    });
    return { bodies, outcomes, elapsedMs: now() - started, cpu: meter.read() };
  });
  const started = now() - elapsedMs;

  // Every order's job, once: poll the engine sandbox until all exist (or a minute passed).
  // A job's reference is its delivery's serviceId.
  const orders = new Set(bodies.map((b) => vtexServiceId(b.carrierId as string, b.orderId as string)));
  const perOrder = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = await requestJson<Array<{ client_reference: string }>>('GET', `${env.urls.engine}/_sandbox/jobs`);
    perOrder.clear();
    for (const job of jobs.body)
      if (orders.has(job.client_reference))
        perOrder.set(job.client_reference, (perOrder.get(job.client_reference) ?? 0) + 1);
    if (perOrder.size >= orders.size || Date.now() > deadline) break;
    await sleep(500);
  }
  const jobsCompleteAfterMs = now() - started;
  const ok = outcomes.filter((o) => o.ok);
  const result: BurstResult = {
    total,
    concurrency,
    latency: summarize(outcomes.map((o) => o.ms)),
    answered: ok.length,
    failed: outcomes.length - ok.length,
    over5s: outcomes.filter((o) => o.ms >= 5000).length,
    withJob: ok.filter((o) => o.jobId).length,
    pendingEarly: ok.filter((o) => !o.jobId).length,
    jobsExactlyOnce: [...perOrder.values()].filter((n) => n === 1).length,
    jobsMissing: orders.size - perOrder.size,
    jobsDoubled: [...perOrder.values()].filter((n) => n > 1).length,
    elapsedMs,
    jobsCompleteAfterMs,
    cpu,
  };
  log(
    `  burst ${total} x${concurrency}: max ${result.latency.max.toFixed(0)} ms, with job ${result.withJob}, PENDING early ${result.pendingEarly}, failed ${result.failed}, jobs once ${result.jobsExactlyOnce}, missing ${result.jobsMissing}, doubled ${result.jobsDoubled}`,
  );
  return result;
}
