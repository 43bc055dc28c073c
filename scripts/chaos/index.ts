/**
 * `npm run chaos -- --deliveries N`: the chaos run (scripts/chaos/run.ts), its figures printed and
 * written to CHAOS.md. Exits 1 when a delivery or a report was lost or doubled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { checkDeliveries, percentile } from './checker';
import { chaosMarkdown } from './report';
import { DEFAULT_CHAOS, runChaos, SUITE_CHAOS, type ChaosResult } from './run';

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

async function main(): Promise<void> {
  const program = new Command('chaos')
    .description(
      'Full delivery lives under crashes, outages and partner faults; compares every platform with the engine at the end.',
    )
    .option('--deliveries <n>', 'deliveries to play', positive, DEFAULT_CHAOS.deliveries)
    .option('--rate <n>', 'deliveries started per second', positive, DEFAULT_CHAOS.rate)
    .option('--seed <n>', 'seed of the plan and the chaos', positive, DEFAULT_CHAOS.seed)
    .option('--out <file>', 'where the report goes', 'CHAOS.md')
    .option(
      '--profile <name>',
      "'full' (the defaults) or 'suite' (npm test's 30-delivery run, its rates and kills)",
      'full',
    )
    .option('--workflow-task-slots <n>', "the worker's WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", positive)
    .option(
      '--recheck <result.json>',
      "judge a finished run's result.json again (the checker changed) and rewrite the report",
    )
    .option(
      '--settle-minutes <n>',
      "how long to wait for every delivery to end after the last step, the partners' faults on (those still open then get a few minutes more without faults)",
      positive,
      DEFAULT_CHAOS.settleTimeoutMs / 60_000,
    )
    .parse();
  const opts = program.opts<{
    deliveries: number;
    rate: number;
    seed: number;
    out: string;
    settleMinutes: number;
    profile: string;
    recheck?: string;
    workflowTaskSlots?: number;
  }>();
  if (opts.profile !== 'full' && opts.profile !== 'suite')
    throw new InvalidArgumentError("--profile is 'full' or 'suite'");
  const base = opts.profile === 'suite' ? SUITE_CHAOS : DEFAULT_CHAOS;
  const given = (name: string) => program.getOptionValueSource(name) === 'cli';
  if (opts.recheck) {
    const saved = JSON.parse(readFileSync(opts.recheck, 'utf8')) as ChaosResult & { command?: string };
    const again = { ...saved, verdict: checkDeliveries(saved.deliveries) };
    const out = path.resolve(opts.out);
    writeFileSync(out, chaosMarkdown(again, saved.command ?? 'npm run chaos') + keptSection(out));
    process.stdout.write(
      `rechecked ${again.verdict.deliveries} deliveries: ${JSON.stringify(again.verdict.byClass)}\n`,
    );
    return;
  }
  const command = `npm run chaos -- ${process.argv.slice(2).join(' ')}`.trim();
  const result = await runChaos({
    ...base,
    ...(given('deliveries') ? { deliveries: Math.round(opts.deliveries) } : {}),
    ...(given('rate') ? { rate: opts.rate } : {}),
    seed: Math.round(opts.seed),
    ...(opts.workflowTaskSlots ? { workflowTaskSlots: Math.round(opts.workflowTaskSlots) } : {}),
    ...(given('settleMinutes') ? { settleTimeoutMs: opts.settleMinutes * 60_000 } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const v = result.verdict;
  const out = path.resolve(opts.out);
  writeFileSync(out, chaosMarkdown(result, command) + keptSection(out));
  writeFileSync(path.join(result.workDir, 'result.json'), JSON.stringify({ ...result, command }, null, 1));
  process.stdout.write(
    [
      '',
      `deliveries ${v.deliveries}, events ${v.events}, lost deliveries ${v.lostDeliveries}, lost reports ${v.lostReports}, doubled reports ${v.doubledReports}`,
      `findings by class: ${JSON.stringify(v.byClass)}`,
      `event to platform p99 ${percentile(v.eventToPlatformMs, 99)} ms, platform cancel to engine p99 ${percentile(v.cancelToEngineMs, 99)} ms, wall ${Math.round(result.wallMs / 1000)} s, kills worker ${result.kills.worker} api ${result.kills.api} temporal ${result.kills.temporal}`,
      `report: ${out}; every delivery and finding: ${path.join(result.workDir, 'result.json')}`,
      '',
    ].join('\n'),
  );
  process.exit(v.lostDeliveries + v.lostReports + v.doubledReports > 0 ? 1 : 0);
}

/**
 * The hand-kept sections of CHAOS.md (the incident log, the figures of `npm run fuzz`), carried over
 * from the file being replaced so a new run rewrites only its own figures.
 */
const KEPT_HEADINGS = ['## Incident log', '## The bad-input run'];
function keptSection(file: string): string {
  let old: string;
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return KEPT_HEADINGS.map((heading) => {
    const start = old.indexOf(`\n${heading}`);
    if (start < 0) return '';
    const next = old.indexOf('\n## ', start + 1);
    return `${old.slice(start, next < 0 ? undefined : next).trimEnd()}\n`;
  }).join('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
