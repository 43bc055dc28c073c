/**
 * 5. Rates (docs/specification.md "Rates"): POST /vtex/rates at 1, 10 and 50 callers, the engine sandbox answering
 * availability at once and after 50 ms, with the cache cold (every cart new) and warm (a few carts
 * asked over and over). Beside them, the bare baselines of the convention: the engine's own
 * availability asked straight from the bench (the floor under any quote), and a quote as a short
 * workflow (update-with-start whose update waits for one no-op activity, the bare Create of section
 * 1): what the intake saves by calling the engine itself.
 */
import { randomBytes } from 'node:crypto';
import example from '../../contracts/examples/vtex.create-service.json';
import { bareCreate, bareWorkflowId } from './deliveries';
import { requestJson } from './http';
import { closedLoop, type LoadResult } from './load';
import { CpuMeter, waitForQuietMachine } from './processes';
import { BENCH_CREDENTIALS, type BenchEnvironment, type Services } from './stack';
import { ms, perSecond, sleep } from './stats';

export interface RatesSettings {
  levels: number[];
  engineLatenciesMs: number[];
  warmupMs: number;
  durationMs: number;
  /** carts of the warm runs, each asked once before the run */
  warmCarts: number;
  /** the longest wait for a quiet machine before a run */
  quietWaitMs: number;
}

export type RatesSide = 'engine alone' | 'ours, cache cold' | 'ours, cache warm' | 'as a workflow (bare)';

export interface RatesRow {
  side: RatesSide;
  engineLatencyMs: number;
  concurrency: number;
  load: LoadResult<unknown>;
  cpu: Record<string, number>;
}

const RUN = randomBytes(3).toString('hex');
let sequence = 0;

/** A cart: the carriers guide's example (contracts/examples) with its own receiver street, so the cache keys it apart. */
function cart(street: string): Record<string, any> {
  sequence += 1;
  const body = structuredClone(example) as Record<string, any>;
  body.carrierId = BENCH_CREDENTIALS.carrierId;
  body.orderId = `RATE-${RUN}-${sequence}`;
  body.receiver.address = street;
  return body;
}

async function postRate(apiUrl: string, body: unknown): Promise<{ ok: boolean; status: number }> {
  try {
    const answer = await requestJson(
      'POST',
      `${apiUrl}/vtex/rates`,
      body,
      { authorization: `Bearer ${BENCH_CREDENTIALS.vtexToken}` },
      10_000,
    );
    const value = answer.body?.data?.rate?.shippingPrice?.value;
    return { ok: answer.status === 200 && Number.isInteger(value), status: answer.status };
  } catch {
    return { ok: false, status: 0 };
  }
}

async function setEngineLatency(env: BenchEnvironment, latencyMs: number): Promise<void> {
  const answer = await requestJson('PUT', `${env.urls.engine}/_sandbox/faults`, {
    latencyMs,
    pathPattern: latencyMs > 0 ? '^/jobs/availability/v2$' : null,
  });
  if (answer.status !== 200) throw new Error(`engine sandbox faults: ${answer.status} ${JSON.stringify(answer.body)}`);
}

export async function measureRates(
  env: BenchEnvironment,
  services: Services,
  settings: RatesSettings,
  log: (line: string) => void,
): Promise<RatesRow[]> {
  const rows: RatesRow[] = [];
  const pids = {
    server: env.server.process.pid!,
    api: services.api.pid,
    worker: services.worker.pid,
    bare: services.bare.pid,
    sandboxes: env.sandboxes.pid,
  };
  const run = async (
    side: RatesSide,
    engineLatencyMs: number,
    concurrency: number,
    call: () => Promise<{ ok: boolean }>,
    before?: () => Promise<void>,
  ) => {
    const label = `rates x${concurrency} engine ${engineLatencyMs} ms ${side}`;
    // One attempt each, after at most a short wait for quiet: this machine is shared, and waiting
    // for it (the other measurements wait up to 3 minutes and repeat a disturbed run) can take
    // hours when it is busy. The foreign load each run met is in its row ("other").
    await waitForQuietMachine(25, settings.quietWaitMs, log);
    await before?.();
    const meter = new CpuMeter(pids);
    const load = await closedLoop({
      concurrency,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      call,
    });
    const result = { load, cpu: meter.read() };
    log(
      `  ${label}: p50 ${load.latency.p50.toFixed(1)} p99 ${load.latency.p99.toFixed(1)} ms, ${load.perSecond.toFixed(0)}/s, errors ${load.errors}, foreign CPU ${Math.round(result.cpu.other ?? 0)} %`,
    );
    rows.push({ side, engineLatencyMs, concurrency, load: { ...load, outcomes: [] }, cpu: result.cpu });
    await sleep(500);
  };

  const engineAvailability = cart('engine alone');
  const start = Date.now() + 60_000;
  const availabilityBody = {
    currency_code: 'BRL',
    start: new Date(start).toISOString(),
    end: new Date(start + 86_400_000).toISOString(),
    slot_size: 60,
    operational_models_priority: ['FULL_SERVICE'],
    store_reference: BENCH_CREDENTIALS.storeReference,
    origin: { address: 'Origin 1', city: 'c', state: 's', country: 'Brazil' },
    destination: { address: engineAvailability.receiver.address, city: 'c', state: 's', country: 'Brazil' },
    job_items: [{ id: 'i', name: 'n', unit: 'unit', quantity: 1, weight: 1 }],
  };
  for (const engineLatencyMs of settings.engineLatenciesMs) {
    await setEngineLatency(env, engineLatencyMs);
    for (const concurrency of settings.levels) {
      // Bare floor: the engine's availability straight from the bench.
      await run('engine alone', engineLatencyMs, concurrency, async () => {
        try {
          const answer = await requestJson(
            'POST',
            `${env.urls.engine}/jobs/availability/v2`,
            availabilityBody,
            { 'x-api-key': BENCH_CREDENTIALS.engineApiKey },
            10_000,
          );
          return { ok: answer.status === 200 };
        } catch {
          return { ok: false };
        }
      });
      // Cold: every cart new, every quote asks the engine.
      await run('ours, cache cold', engineLatencyMs, concurrency, () =>
        postRate(services.apiUrl, cart(`cold ${RUN} ${sequence} Street`)),
      );
      // Warm: a few carts, each quoted once before the run; the run only repeats them.
      const carts = Array.from({ length: settings.warmCarts }, (_, i) =>
        cart(`warm ${RUN} ${engineLatencyMs} ${concurrency} ${i} Street`),
      );
      let next = 0;
      await run(
        'ours, cache warm',
        engineLatencyMs,
        concurrency,
        () => postRate(services.apiUrl, carts[next++ % carts.length]),
        async () => {
          for (const body of carts) await postRate(services.apiUrl, body);
        },
      );
    }
  }
  await setEngineLatency(env, 0);
  // The alternative design: a quote as a short workflow whose answer waits for one activity.
  for (const concurrency of settings.levels) {
    await run('as a workflow (bare)', 0, concurrency, async () => {
      try {
        await bareCreate(env, services.bareQueue, bareWorkflowId('rate'), { timerMs: null, events: null });
        return { ok: true };
      } catch {
        return { ok: false };
      }
    });
  }
  return rows;
}

export const RATES_TARGETS = { coldP99MsAt10: 100, warmOverCold: 5 };

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function ratesSection(rows: RatesRow[]): string {
  const find = (side: RatesSide, latency: number, c: number) =>
    rows.find((r) => r.side === side && r.engineLatencyMs === latency && r.concurrency === c);
  const body = rows.map((r) => {
    const cold = find('ours, cache cold', r.engineLatencyMs, r.concurrency);
    const warmRatio =
      r.side === 'ours, cache warm' && cold ? r.load.perSecond / Math.max(cold.load.perSecond, 1e-9) : undefined;
    return [
      r.side,
      `${r.engineLatencyMs} ms`,
      String(r.concurrency),
      ms(r.load.latency.p50),
      ms(r.load.latency.p99),
      perSecond(r.load.perSecond),
      String(r.load.errors),
      warmRatio === undefined ? '' : `${warmRatio.toFixed(1)}x cold`,
      `api ${Math.round(r.cpu.api ?? 0)}%, sandboxes ${Math.round(r.cpu.sandboxes ?? 0)}%, server ${Math.round(r.cpu.server ?? 0)}%, bare ${Math.round(r.cpu.bare ?? 0)}%, bench ${Math.round(r.cpu.bench ?? 0)}%, other ${Math.round(r.cpu.other ?? 0)}%`,
    ];
  });
  const cold10 = find('ours, cache cold', 0, 10);
  const warm10 = find('ours, cache warm', 0, 10);
  const ratio10 = cold10 && warm10 ? warm10.load.perSecond / Math.max(cold10.load.perSecond, 1e-9) : NaN;
  const verdict = (met: boolean) => (met ? '**met**' : '**MISSED**');
  return [
    table(
      [
        'quote',
        'engine latency',
        'callers',
        'p50',
        'p99',
        'quotes/s',
        'errors',
        'warm vs cold',
        'CPU (100 % = one core; other = foreign load)',
      ],
      body,
    ),
    '',
    cold10
      ? `Target p99 < ${RATES_TARGETS.coldP99MsAt10} ms at 10 callers, cache cold, engine at 0 ms: ${ms(cold10.load.latency.p99)}, ${verdict(cold10.load.latency.p99 < RATES_TARGETS.coldP99MsAt10)}.`
      : '',
    Number.isFinite(ratio10)
      ? `Target warm ≥ ${RATES_TARGETS.warmOverCold}x cold in quotes/s (10 callers, engine at 0 ms): ${ratio10.toFixed(1)}x, ${verdict(ratio10 >= RATES_TARGETS.warmOverCold)}.`
      : '',
  ].join('\n');
}
