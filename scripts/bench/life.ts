/**
 * 3. Delivery life (BENCHMARKS.md section 3).
 *
 * (a) Event to VTEX: M open deliveries (past their 5 s confirmation), driven by C concurrent
 *     "engines"; each posts a delivery's next event to our webhook once the previous event's VTEX
 *     call arrived, and the clock runs from just before the POST to the VTEX sandbox's arrival time
 *     of the matching call. Bare: signal to the start of its no-op activity, paced the same way.
 * (b) Lives per second: M lives, C at a time: create, the six events each sent as soon as the
 *     previous one was taken (webhook 200 / signal accepted), until the workflow ended. Bare: the
 *     same shape (update-with-start, 5.3 s timer, 6 signals each followed by one no-op activity).
 */
import {
  bareCreate,
  bareSignal,
  bareWorkflowId,
  CONFIRMATION_TIMER_MS,
  forEachConcurrently,
  jobOf,
  LIFE_EVENT_TYPES,
  lifeEvent,
  postCreateService,
  postEvent,
  trackBareActivities,
  trackVtexCalls,
  type OurDelivery,
} from './deliveries';
import { CpuMeter, quietMachine, undisturbed } from './processes';
import type { BenchEnvironment, Services } from './stack';
import { now, sleep, summarize, type LatencySummary } from './stats';

const EVENTS = LIFE_EVENT_TYPES.length;
/** Deliveries are opened this many at a time before a latency run (not measured). */
const OPENING_CONCURRENCY = 10;

export interface LatencyLevel {
  concurrency: number;
  deliveries: number;
}

export interface LatencyRow {
  concurrency: number;
  deliveries: number;
  ours: { latency: LatencySummary; webhookAnswer: LatencySummary; cpu: Record<string, number> };
  bare: { latency: LatencySummary; signalAnswer: LatencySummary; cpu: Record<string, number> };
}

export interface LivesLevel {
  concurrency: number;
  lives: number;
}

export interface LivesSide {
  perSecond: number;
  elapsedMs: number;
  lifeMs: LatencySummary;
  failed: number;
  cpu: Record<string, number>;
}

export interface LivesRow {
  concurrency: number;
  lives: number;
  ours: LivesSide;
  bare: LivesSide;
}

function pidsOf(env: BenchEnvironment, services: Services) {
  return env.pids(services);
}

async function bareLatencyRun(
  env: BenchEnvironment,
  services: Services,
  level: LatencyLevel,
  log: (line: string) => void,
) {
  const activities = trackBareActivities(env);
  const workflows = Array.from({ length: level.deliveries }, () => bareWorkflowId('life'));
  let lastStart = 0;
  await forEachConcurrently(workflows, OPENING_CONCURRENCY, async (id) => {
    await bareCreate(env, services.bareQueue, id, { timerMs: CONFIRMATION_TIMER_MS, events: EVENTS });
    lastStart = Date.now();
  });
  // Open means past the confirmation timer.
  await sleep(Math.max(0, lastStart + CONFIRMATION_TIMER_MS + 1500 - Date.now()));
  await quietMachine(log);
  const latency: number[] = [];
  const signalAnswer: number[] = [];
  const meter = new CpuMeter(pidsOf(env, services));
  await forEachConcurrently(workflows, level.concurrency, async (id) => {
    for (let seq = 1; seq <= EVENTS; seq += 1) {
      const sent = now();
      await bareSignal(env, id, seq);
      signalAnswer.push(now() - sent);
      latency.push((await activities.arrivals.nth(id, seq)) - sent);
    }
  });
  const cpu = meter.read();
  activities.stop();
  return { latency: summarize(latency), signalAnswer: summarize(signalAnswer), cpu };
}

async function ourLatencyRun(
  env: BenchEnvironment,
  services: Services,
  level: LatencyLevel,
  log: (line: string) => void,
) {
  const calls = trackVtexCalls(env);
  const deliveries: OurDelivery[] = [];
  await forEachConcurrently(Array.from({ length: level.deliveries }), OPENING_CONCURRENCY, async () => {
    deliveries.push(await jobOf(env, await postCreateService(services.apiUrl)));
  });
  // Open means past the confirmation: VTEX got the first report (PATCH PENDING).
  await Promise.all(deliveries.map((d) => calls.arrivals.nth(d.serviceId, 1, 60_000)));
  await sleep(500);
  await quietMachine(log);
  const latency: number[] = [];
  const webhookAnswer: number[] = [];
  const meter = new CpuMeter(pidsOf(env, services));
  await forEachConcurrently(deliveries, level.concurrency, async (delivery) => {
    for (let step = 1; step <= EVENTS; step += 1) {
      const event = lifeEvent(delivery, step);
      const sent = now();
      await postEvent(services.apiUrl, delivery, event);
      webhookAnswer.push(now() - sent);
      latency.push((await calls.arrivals.nth(delivery.serviceId, step + 1)) - sent);
    }
  });
  const cpu = meter.read();
  calls.stop();
  await env.clearCalls();
  return { latency: summarize(latency), webhookAnswer: summarize(webhookAnswer), cpu };
}

export async function measureEventLatency(
  env: BenchEnvironment,
  services: Services,
  levels: LatencyLevel[],
  log: (line: string) => void,
): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const level of levels) {
    const bare = await undisturbed(`event latency x${level.concurrency} bare`, log, () =>
      bareLatencyRun(env, services, level, log),
    );
    const ours = await undisturbed(`event latency x${level.concurrency} ours`, log, () =>
      ourLatencyRun(env, services, level, log),
    );
    const row: LatencyRow = { concurrency: level.concurrency, deliveries: level.deliveries, ours, bare };
    log(
      `  event->VTEX x${level.concurrency}: ours p50 ${row.ours.latency.p50.toFixed(1)} p99 ${row.ours.latency.p99.toFixed(1)} ms; bare signal->activity p50 ${row.bare.latency.p50.toFixed(1)} p99 ${row.bare.latency.p99.toFixed(1)} ms`,
    );
    rows.push(row);
    await sleep(1000);
  }
  return rows;
}

async function livesRun(
  env: BenchEnvironment,
  services: Services,
  level: LivesLevel,
  log: (line: string) => void,
  life: () => Promise<void>,
): Promise<LivesSide> {
  const durations: number[] = [];
  let failed = 0;
  const meter = new CpuMeter(pidsOf(env, services));
  const started = now();
  await forEachConcurrently(Array.from({ length: level.lives }), level.concurrency, async () => {
    const t0 = now();
    try {
      await life();
      durations.push(now() - t0);
    } catch (err) {
      failed += 1;
      log(`    life failed: ${String(err)}`);
    }
  });
  const elapsedMs = now() - started;
  return {
    perSecond: durations.length / (elapsedMs / 1000),
    elapsedMs,
    lifeMs: summarize(durations),
    failed,
    cpu: meter.read(),
  };
}

export async function measureLives(
  env: BenchEnvironment,
  services: Services,
  levels: LivesLevel[],
  log: (line: string) => void,
): Promise<LivesRow[]> {
  const rows: LivesRow[] = [];
  for (const level of levels) {
    const bare = await undisturbed(`lives x${level.concurrency} bare`, log, () =>
      livesRun(env, services, level, log, async () => {
        const id = bareWorkflowId('lives');
        await bareCreate(env, services.bareQueue, id, { timerMs: CONFIRMATION_TIMER_MS, events: EVENTS });
        for (let seq = 1; seq <= EVENTS; seq += 1) await bareSignal(env, id, seq);
        await env.client.workflow.getHandle(id).result();
      }),
    );
    await sleep(1000);
    const ours = await undisturbed(`lives x${level.concurrency} ours`, log, () =>
      livesRun(env, services, level, log, async () => {
        const delivery = await jobOf(env, await postCreateService(services.apiUrl));
        for (let step = 1; step <= EVENTS; step += 1)
          await postEvent(services.apiUrl, delivery, lifeEvent(delivery, step));
        const view = (await env.client.workflow.getHandle(delivery.serviceId).result()) as { status: string };
        if (view.status !== 'DELIVERED') throw new Error(`${delivery.serviceId} ended ${view.status}`);
      }),
    );
    await env.clearCalls();
    log(
      `  lives x${level.concurrency} (${level.lives}): ours ${ours.perSecond.toFixed(2)}/s (life p50 ${ours.lifeMs.p50.toFixed(0)} ms), bare ${bare.perSecond.toFixed(2)}/s (life p50 ${bare.lifeMs.p50.toFixed(0)} ms)`,
    );
    rows.push({ concurrency: level.concurrency, lives: level.lives, ours, bare });
    await sleep(1000);
  }
  return rows;
}
