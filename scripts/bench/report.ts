/**
 * Tables of the results, for the terminal and for BENCHMARKS.md. BENCHMARKS.md keeps its hand
 * written notes: the bench only replaces what stands between `<!-- bench:begin NAME -->` and
 * `<!-- bench:end NAME -->`, one block per measurement plus `setup`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BurstResult } from './burst';
import type { CreateRow } from './create';
import type { LatencyRow, LivesRow } from './life';
import type { MemoryResult } from './memory';
import { ms, perSecond, ratio, x } from './stats';

export const TARGETS = {
  createSingleP99Ms: 100,
  createP99Ratio: 1.3,
  createRateRatio: 0.8,
  burstMaxMs: 5000,
  eventSingleP99Ms: 100,
  eventP99Ratio: 1.3,
  livesRatio: 0.8,
  livesRatioAt: 100,
  memoryMaxMiB: 512,
  memoryRatio: 1.5,
};

const yes = (met: boolean) => (met ? '**met**' : '**MISSED**');

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The CPU of every process during each run of a measurement, ours beside the bare. */
function cpuTable(
  caption: string,
  firstColumn: string,
  rows: Array<{ concurrency: number; ours: { cpu: Record<string, number> }; bare: { cpu: Record<string, number> } }>,
): string {
  const cells = rows.map((r) => [String(r.concurrency), cpuCell(r.ours.cpu, CPU_OURS), cpuCell(r.bare.cpu, CPU_BARE)]);
  return [caption, '', table([firstColumn, 'ours run', 'bare run'], cells)].join('\n');
}

function cpuCell(cpu: Record<string, number>, names: string[]): string {
  return names.map((n) => `${n} ${Number.isFinite(cpu[n]) ? Math.round(cpu[n]!) : '-'}%`).join(', ');
}

const CPU_OURS = ['server', 'worker', 'api', 'sandboxes', 'bench', 'other', 'machine'];
const CPU_BARE = ['server', 'bare', 'bench', 'other', 'machine'];

export function createSection(rows: CreateRow[]): string {
  const lines = rows.map((r) => {
    const o = r.ours.load;
    const b = r.bare.load;
    const p99Ratio = ratio(o.latency.p99, b.latency.p99);
    const rateRatio = ratio(o.perSecond, b.perSecond);
    const single = r.concurrency === 1;
    const target = single
      ? `p99 < ${TARGETS.createSingleP99Ms} ms`
      : `p99 <= ${TARGETS.createP99Ratio}x, answers/s >= ${TARGETS.createRateRatio}x`;
    const met = single
      ? o.latency.p99 < TARGETS.createSingleP99Ms && o.errors === 0
      : p99Ratio <= TARGETS.createP99Ratio && rateRatio >= TARGETS.createRateRatio && o.errors === 0;
    return [
      String(r.concurrency),
      `${ms(o.latency.p50)} / ${ms(o.latency.p95)} / ${ms(o.latency.p99)}`,
      perSecond(o.perSecond),
      `${ms(b.latency.p50)} / ${ms(b.latency.p95)} / ${ms(b.latency.p99)}`,
      perSecond(b.perSecond),
      x(p99Ratio),
      x(rateRatio),
      `${o.latency.n} / ${b.latency.n}`,
      `${o.errors} / ${b.errors}`,
      String(r.ours.pendingEarly),
      target,
      yes(met),
    ];
  });
  return [
    table(
      [
        'callers',
        'ours p50 / p95 / p99 ms',
        'ours answers/s',
        'bare p50 / p95 / p99 ms',
        'bare answers/s',
        'p99 ours/bare',
        'answers/s ours/bare',
        'samples ours / bare',
        'errors ours / bare',
        'ours PENDING early',
        'target',
        '',
      ],
      lines,
    ),
    '',
    cpuTable('Process CPU during each run (100 % = one core of two):', 'callers', rows),
  ].join('\n');
}

export function burstSection(b: BurstResult): string {
  const met = b.failed === 0 && b.over5s === 0 && b.jobsMissing === 0 && b.jobsDoubled === 0 && b.answered === b.total;
  return [
    table(
      [
        'calls',
        'concurrent',
        'p50 / p99 / max ms',
        'answered 200',
        'with the job',
        'PENDING early',
        'failed',
        'at or over 5 s',
        'jobs exactly once',
        'lost (no job)',
        'doubled',
        'target',
        '',
      ],
      [
        [
          String(b.total),
          String(b.concurrency),
          `${ms(b.latency.p50)} / ${ms(b.latency.p99)} / ${ms(b.latency.max)}`,
          String(b.answered),
          String(b.withJob),
          String(b.pendingEarly),
          String(b.failed),
          String(b.over5s),
          String(b.jobsExactlyOnce),
          String(b.jobsMissing),
          String(b.jobsDoubled),
          'all answered < 5 s, every job once',
          yes(met),
        ],
      ],
    ),
    '',
    `The burst took ${(b.elapsedMs / 1000).toFixed(1)} s; every job was found at the engine ${(b.jobsCompleteAfterMs / 1000).toFixed(1)} s after the first call. CPU: ${cpuCell(b.cpu, CPU_OURS)}.`,
  ].join('\n');
}

export function eventLatencySection(rows: LatencyRow[]): string {
  const lines = rows.map((r) => {
    const p99Ratio = ratio(r.ours.latency.p99, r.bare.latency.p99);
    const single = r.concurrency === 1;
    const met = single ? r.ours.latency.p99 < TARGETS.eventSingleP99Ms : p99Ratio <= TARGETS.eventP99Ratio;
    return [
      String(r.concurrency),
      String(r.deliveries),
      String(r.ours.latency.n),
      `${ms(r.ours.latency.p50)} / ${ms(r.ours.latency.p95)} / ${ms(r.ours.latency.p99)}`,
      `${ms(r.bare.latency.p50)} / ${ms(r.bare.latency.p95)} / ${ms(r.bare.latency.p99)}`,
      x(p99Ratio),
      `${ms(r.ours.webhookAnswer.p50)} / ${ms(r.ours.webhookAnswer.p99)}`,
      `${ms(r.bare.signalAnswer.p50)} / ${ms(r.bare.signalAnswer.p99)}`,
      single ? `p99 < ${TARGETS.eventSingleP99Ms} ms` : `p99 <= ${TARGETS.eventP99Ratio}x bare`,
      yes(met),
    ];
  });
  return [
    table(
      [
        'deliveries driven at once',
        'deliveries',
        'events',
        'ours event to VTEX p50 / p95 / p99 ms',
        'bare signal to activity p50 / p95 / p99 ms',
        'p99 ours/bare',
        'our webhook 200 p50 / p99 ms',
        'bare signal accepted p50 / p99 ms',
        'target',
        '',
      ],
      lines,
    ),
    '',
    cpuTable('Process CPU while the events ran:', 'at once', rows),
  ].join('\n');
}

export function livesSection(rows: LivesRow[]): string {
  const lines = rows.map((r) => {
    const rateRatio = ratio(r.ours.perSecond, r.bare.perSecond);
    const judged = r.concurrency === TARGETS.livesRatioAt;
    return [
      String(r.concurrency),
      String(r.lives),
      perSecond(r.ours.perSecond),
      `${ms(r.ours.lifeMs.p50)} / ${ms(r.ours.lifeMs.p99)}`,
      perSecond(r.bare.perSecond),
      `${ms(r.bare.lifeMs.p50)} / ${ms(r.bare.lifeMs.p99)}`,
      x(rateRatio),
      `${r.ours.failed} / ${r.bare.failed}`,
      judged ? `>= ${TARGETS.livesRatio}x bare` : '-',
      judged ? yes(rateRatio >= TARGETS.livesRatio && r.ours.failed === 0) : '',
    ];
  });
  return [
    table(
      [
        'lives at once',
        'lives',
        'ours lives/s',
        'ours life p50 / p99 ms',
        'bare lives/s',
        'bare life p50 / p99 ms',
        'lives/s ours/bare',
        'failed ours / bare',
        'target',
        '',
      ],
      lines,
    ),
    '',
    cpuTable('Process CPU during each run:', 'at once', rows),
  ].join('\n');
}

export function memorySection(m: MemoryResult): string {
  const r = ratio(m.loaded.worker, m.loaded.bare);
  const perWorkflow = (loaded: number, idle: number) => `${Math.round(((loaded - idle) * 1024) / m.open)} KiB`;
  const met = m.loaded.worker < TARGETS.memoryMaxMiB && r <= TARGETS.memoryRatio;
  return [
    table(
      ['VmRSS', 'our worker', 'bare worker', 'ours/bare', 'our intake API', 'target', ''],
      [
        [
          'idle (fresh process, no workflow yet)',
          `${m.idle.worker.toFixed(0)} MiB`,
          `${m.idle.bare.toFixed(0)} MiB`,
          x(ratio(m.idle.worker, m.idle.bare)),
          `${m.idle.api.toFixed(0)} MiB`,
          '',
          '',
        ],
        [
          `${m.open} open, waiting for events`,
          `${m.loaded.worker.toFixed(0)} MiB`,
          `${m.loaded.bare.toFixed(0)} MiB`,
          x(r),
          `${m.loaded.api.toFixed(0)} MiB`,
          `< ${TARGETS.memoryMaxMiB} MiB and <= ${TARGETS.memoryRatio}x bare`,
          yes(met),
        ],
        [
          'per open workflow (above idle)',
          perWorkflow(m.loaded.worker, m.idle.worker),
          perWorkflow(m.loaded.bare, m.idle.bare),
          '',
          '',
          '',
          '',
        ],
      ],
    ),
    '',
    `Opening them took ${(m.openedIn.oursMs / 1000).toFixed(1)} s (ours, through Create service, until each had its first report) and ${(m.openedIn.bareMs / 1000).toFixed(1)} s (bare, including the timer); failed: ${m.failed.ours} ours, ${m.failed.bare} bare.`,
  ].join('\n');
}

const SECTIONS = ['setup', 'create', 'burst', 'life', 'memory', 'rates', 'cluster', 'label'] as const;
export type SectionName = (typeof SECTIONS)[number];

const TITLES: Record<SectionName, string> = {
  setup: 'Setup',
  create: '1. Create service',
  burst: '2. Burst',
  life: '3. Delivery life',
  memory: '4. Memory',
  rates: '5. Rates',
  cluster: '6. Cluster',
  label: '8. Shipping labels',
};

/** Replaces the generated blocks of `file`, creating it (with a skeleton) when missing. */
export function writeSections(file: string, sections: Partial<Record<SectionName, string>>): void {
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : [
        '# Benchmarks',
        '',
        ...SECTIONS.flatMap((s) => [
          `## ${TITLES[s]}`,
          '',
          `<!-- bench:begin ${s} -->`,
          '(not measured yet)',
          `<!-- bench:end ${s} -->`,
          '',
        ]),
      ].join('\n');
  for (const [name, body] of Object.entries(sections)) {
    const begin = `<!-- bench:begin ${name} -->`;
    const end = `<!-- bench:end ${name} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
      text += `\n## ${TITLES[name as SectionName]}\n\n${begin}\n${body}\n${end}\n`;
    } else {
      text = `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`;
    }
  }
  writeFileSync(file, text);
}
