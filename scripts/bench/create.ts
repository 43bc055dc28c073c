/**
 * 1. Create service (docs/intake-api.md): ours (POST /vtex/services over HTTP, unique orderIds) beside the bare
 * update-with-start whose update waits for one no-op activity, at each concurrency, bare first.
 */
import { bareCreate, bareWorkflowId, postCreateService, trackVtexCalls, type CreateOutcome } from './deliveries';
import { closedLoop, type LoadResult } from './load';
import { CpuMeter, undisturbed } from './processes';
import type { BenchEnvironment, Services } from './stack';
import { sleep } from './stats';

export interface CreateSide {
  load: LoadResult<unknown>;
  cpu: Record<string, number>;
}

export interface CreateRow {
  concurrency: number;
  ours: CreateSide & { withJob: number; pendingEarly: number };
  bare: CreateSide;
}

export interface CreateSettings {
  levels: number[];
  warmupMs: number;
  durationMs: number;
}

export async function measureCreate(
  env: BenchEnvironment,
  services: Services,
  settings: CreateSettings,
  log: (line: string) => void,
): Promise<CreateRow[]> {
  const rows: CreateRow[] = [];
  const pids = env.pids(services);
  for (const concurrency of settings.levels) {
    // Bare first: update-with-start, the update waits for one no-op activity; then the workflow waits for signals.
    const bare = await undisturbed(`create x${concurrency} bare`, log, async () => {
      const meter = new CpuMeter(pids);
      const load = await closedLoop({
        concurrency,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        call: async () => {
          try {
            await bareCreate(env, services.bareQueue, bareWorkflowId('create'), { timerMs: null, events: null });
            return { ok: true };
          } catch (err) {
            return { ok: false, error: String(err) };
          }
        },
      });
      return { load, cpu: meter.read() };
    });
    const bareLoad = bare.load;
    log(
      `  create x${concurrency} bare: p50 ${bareLoad.latency.p50.toFixed(1)} p99 ${bareLoad.latency.p99.toFixed(1)} ms, ${bareLoad.perSecond.toFixed(1)}/s, errors ${bareLoad.errors}`,
    );
    await sleep(1000);

    // Ours: VTEX's Create service over HTTP.
    const ours = await undisturbed(`create x${concurrency} ours`, log, async () => {
      const calls = trackVtexCalls(env);
      const created: string[] = [];
      const meter = new CpuMeter(pids);
      const load = await closedLoop<CreateOutcome>({
        concurrency,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        call: async () => {
          const outcome = await postCreateService(services.apiUrl);
          if (outcome.serviceId) created.push(outcome.serviceId);
          return outcome;
        },
      });
      const cpu = meter.read();
      // Drain: our deliveries' first reports (5.3 s later) must not fall into the next run.
      const deadline = Date.now() + 60_000;
      while (created.some((id) => calls.arrivals.count(id) === 0) && Date.now() < deadline) await sleep(250);
      const unreported = created.filter((id) => calls.arrivals.count(id) === 0).length;
      if (unreported) log(`    ${unreported} deliveries still without their first report after 60 s`);
      calls.stop();
      await env.clearCalls();
      return { load, cpu };
    });
    const ourLoad = ours.load;
    const ourCpu = ours.cpu;
    const bareCpu = bare.cpu;
    const withJob = ourLoad.outcomes.filter((o) => o.ok && o.jobId).length;
    const pendingEarly = ourLoad.outcomes.filter((o) => o.ok && !o.jobId).length;
    log(
      `  create x${concurrency} ours: p50 ${ourLoad.latency.p50.toFixed(1)} p99 ${ourLoad.latency.p99.toFixed(1)} ms, ${ourLoad.perSecond.toFixed(1)}/s, errors ${ourLoad.errors}, PENDING early ${pendingEarly}`,
    );
    const firstError = ourLoad.outcomes.find((o) => !o.ok);
    if (firstError) log(`    first error: ${firstError.status} ${firstError.error}`);
    await sleep(1000);

    rows.push({
      concurrency,
      ours: { load: { ...ourLoad, outcomes: [] }, cpu: ourCpu, withJob, pendingEarly },
      bare: { load: { ...bareLoad, outcomes: [] }, cpu: bareCpu },
    });
  }
  return rows;
}
