/**
 * 4. Memory: the worker's resident set (VmRSS from /proc) at idle, and holding N open deliveries
 * waiting for events, beside the bare worker holding N open bare workflows of the same shape
 * (update-with-start, one activity, the 5.3 s timer, then waiting for signals).
 *
 * "After GC settles": once the load is done, RSS is sampled every second until five samples in a row
 * lie within 2 MiB (at most 60 s); the last one is reported. Both workers are treated alike.
 */
import {
  bareCreate,
  bareWorkflowId,
  CONFIRMATION_TIMER_MS,
  forEachConcurrently,
  postCreateService,
  trackVtexCalls,
} from './deliveries';
import { quietMachine, rssMiB } from './processes';
import type { BenchEnvironment, Services } from './stack';
import { sleep } from './stats';

const OPENING_CONCURRENCY = 20;

export interface MemoryResult {
  open: number;
  idle: { worker: number; bare: number; api: number };
  loaded: { worker: number; bare: number; api: number };
  openedIn: { oursMs: number; bareMs: number };
  failed: { ours: number; bare: number };
}

async function settledRss(pid: number, quietMs: number): Promise<number> {
  await sleep(quietMs);
  const samples: number[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    samples.push(rssMiB(pid));
    const last = samples.slice(-5);
    if (last.length === 5 && Math.max(...last) - Math.min(...last) <= 2) return last[4]!;
    if (Date.now() > deadline) return samples[samples.length - 1]!;
    await sleep(1000);
  }
}

export async function measureMemory(
  env: BenchEnvironment,
  services: Services,
  open: number,
  quietMs: number,
  log: (line: string) => void,
): Promise<MemoryResult> {
  await quietMachine(log);
  const [idleWorker, idleBare, idleApi] = await Promise.all([
    settledRss(services.worker.pid, quietMs),
    settledRss(services.bare.pid, quietMs),
    settledRss(services.api.pid, quietMs),
  ]);
  log(
    `  idle RSS: worker ${idleWorker.toFixed(0)} MiB, bare worker ${idleBare.toFixed(0)} MiB, api ${idleApi.toFixed(0)} MiB`,
  );

  // Ours: N deliveries through VTEX's Create service, each past its first report, then waiting.
  const calls = trackVtexCalls(env);
  const serviceIds: string[] = [];
  let failedOurs = 0;
  let started = Date.now();
  await forEachConcurrently(Array.from({ length: open }), OPENING_CONCURRENCY, async () => {
    const created = await postCreateService(services.apiUrl);
    if (created.ok && created.serviceId) serviceIds.push(created.serviceId);
    else failedOurs += 1;
  });
  await Promise.all(serviceIds.map((id) => calls.arrivals.nth(id, 1, 120_000)));
  const oursMs = Date.now() - started;
  calls.stop();
  await env.clearCalls();

  // Bare: N bare workflows of the same shape, waiting for signals after their timer.
  let failedBare = 0;
  started = Date.now();
  await forEachConcurrently(Array.from({ length: open }), OPENING_CONCURRENCY, async () => {
    try {
      await bareCreate(env, services.bareQueue, bareWorkflowId('memory'), {
        timerMs: CONFIRMATION_TIMER_MS,
        events: null,
      });
    } catch {
      failedBare += 1;
    }
  });
  await sleep(CONFIRMATION_TIMER_MS + 2000);
  const bareMs = Date.now() - started;

  const [worker, bare, api] = await Promise.all([
    settledRss(services.worker.pid, quietMs),
    settledRss(services.bare.pid, quietMs),
    settledRss(services.api.pid, quietMs),
  ]);
  log(`  ${open} open: worker ${worker.toFixed(0)} MiB, bare worker ${bare.toFixed(0)} MiB, api ${api.toFixed(0)} MiB`);
  return {
    open,
    idle: { worker: idleWorker, bare: idleBare, api: idleApi },
    loaded: { worker, bare, api },
    openedIn: { oursMs, bareMs },
    failed: { ours: failedOurs, bare: failedBare },
  };
}
