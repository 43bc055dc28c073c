/**
 * `npm run bench [-- --only create|burst|life|memory|rates|label] [--quick]`: the benchmarks of BENCHMARKS.md.
 * `--only label` renders shipping labels in this process only (scripts/bench/label.ts): no server.
 * `npm run bench -- --target cluster [--shards 1,4] [--quick]`: section 6, the cluster of
 * `npm run cluster` with one and two workers beside the dev server (scripts/bench/cluster.ts).
 *
 * One Temporal dev server with the dev server settings of docs/operations.md "The Temporal server" (scripts/dev-server.ts), the sandboxes in a
 * process of their own at zero latency, and for each measurement fresh child processes on fresh
 * task queues: our worker (worker/main.ts), our intake API (api/main.ts), and a bare worker
 * (scripts/bench/bareWorker.ts), all run as `node --import tsx`. This process generates the load.
 * Measurements run one after the other, never two at once; within each, bare first, then ours.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { DEV_SERVER_TUNING } from '../dev-server';
import { ensureTemporalCli, TEMPORAL_SERVER_VERSION } from '../temporal-cli';
import { serverEnv } from '../cluster/topology';
import { measureBurst, type BurstResult } from './burst';
import { measureCreate, type CreateRow, type CreateSettings } from './create';
import { closeHttp } from './http';
import {
  measureEventLatency,
  measureLives,
  type LatencyLevel,
  type LatencyRow,
  type LivesLevel,
  type LivesRow,
} from './life';
import { labelSection, measureLabel, type LabelPlan } from './label';
import { measureMemory, type MemoryResult } from './memory';
import { measureRates, ratesSection, type RatesRow, type RatesSettings } from './rates';
import { REPO_ROOT } from './processes';
import {
  burstSection,
  createSection,
  eventLatencySection,
  livesSection,
  memorySection,
  writeSections,
  type SectionName,
} from './report';
import { clusterSection, measureClusterTarget, type ClusterConfigResult, type ClusterPlan } from './cluster';
import { BenchEnvironment } from './stack';

type Measurement = 'create' | 'burst' | 'life' | 'memory' | 'rates' | 'label';
/** Every measurement that needs the stack; `label` runs alone (`--only label`), needing none. */
const ALL: Measurement[] = ['create', 'burst', 'life', 'memory', 'rates'];
const LABEL_FULL: LabelPlan = { warmup: 50, samples: 1000 };
const LABEL_QUICK: LabelPlan = { warmup: 10, samples: 100 };

interface Plan {
  create: CreateSettings;
  burst: { total: number; concurrency: number };
  latency: LatencyLevel[];
  lives: LivesLevel[];
  memory: { open: number; quietMs: number };
  rates: RatesSettings;
}

const FULL: Plan = {
  create: { levels: [1, 10, 50], warmupMs: 3000, durationMs: 20_000 },
  burst: { total: 300, concurrency: 200 },
  latency: [
    { concurrency: 1, deliveries: 20 },
    { concurrency: 10, deliveries: 40 },
    { concurrency: 100, deliveries: 200 },
  ],
  lives: [
    { concurrency: 1, lives: 3 },
    { concurrency: 10, lives: 30 },
    { concurrency: 100, lives: 300 },
  ],
  memory: { open: 2000, quietMs: 10_000 },
  rates: {
    levels: [1, 10, 50],
    engineLatenciesMs: [0, 50],
    warmupMs: 1000,
    durationMs: 5000,
    warmCarts: 20,
    quietWaitMs: 15_000,
  },
};

const QUICK: Plan = {
  create: { levels: [1, 10, 50], warmupMs: 500, durationMs: 3000 },
  burst: { total: 60, concurrency: 40 },
  latency: [
    { concurrency: 1, deliveries: 2 },
    { concurrency: 10, deliveries: 10 },
    { concurrency: 100, deliveries: 100 },
  ],
  lives: [
    { concurrency: 1, lives: 1 },
    { concurrency: 10, lives: 10 },
    { concurrency: 100, lives: 100 },
  ],
  memory: { open: 200, quietMs: 3000 },
  rates: {
    levels: [1, 10, 50],
    engineLatenciesMs: [0, 50],
    warmupMs: 300,
    durationMs: 1500,
    warmCarts: 5,
    quietWaitMs: 2000,
  },
};

/**
 * `--target cluster`: what each configuration runs; smaller than FULL, as it runs four times or
 * more (the dev server, the cluster with 1 and 2 workers, other shard counts with 2).
 */
const CLUSTER_FULL: Omit<ClusterPlan, 'shards'> = {
  create: { levels: [1, 10], warmupMs: 1000, durationMs: 6000 },
  latency: [
    { concurrency: 1, deliveries: 5 },
    { concurrency: 10, deliveries: 20 },
  ],
  lives: [{ concurrency: 20, lives: 40 }],
  workers: [1, 2],
};

const CLUSTER_QUICK: Omit<ClusterPlan, 'shards'> = {
  create: { levels: [1, 10], warmupMs: 500, durationMs: 3000 },
  latency: [
    { concurrency: 1, deliveries: 2 },
    { concurrency: 10, deliveries: 10 },
  ],
  lives: [{ concurrency: 10, lives: 10 }],
  workers: [1, 2],
};

interface Results {
  create?: CreateRow[];
  burst?: BurstResult;
  latency?: LatencyRow[];
  lives?: LivesRow[];
  memory?: MemoryResult;
  rates?: RatesRow[];
}

function machine(): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cores = cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length;
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return [`${cores} cores (${model})`, `${(memKb / 1024 / 1024).toFixed(1)} GiB RAM`, `Linux ${os.release()}`];
}

async function versions(): Promise<string[]> {
  const binary = await ensureTemporalCli((l) => console.error(l));
  const temporal = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const pkg = (name: string) =>
    (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  return [
    `Node ${process.version}`,
    `Temporal TypeScript SDK ${pkg('@temporalio/worker')}`,
    `TypeScript ${pkg('typescript')}`,
    `tsx ${pkg('tsx')}`,
    `${temporal}`,
  ];
}

function setupSection(
  plan: Plan,
  quick: boolean,
  only: Measurement[],
  args: string,
  startedAt: Date,
  elapsedMs: number,
  machineLines: string[],
  versionLines: string[],
): string {
  const tuning: string[] = [];
  for (let i = 0; i < DEV_SERVER_TUNING.length; i += 2)
    tuning.push(`${DEV_SERVER_TUNING[i]} ${DEV_SERVER_TUNING[i + 1]}`);
  return [
    `Run ${startedAt.toISOString()}: \`npm run bench${args ? ` -- ${args}` : ''}\`${quick ? ' (QUICK smoke run: small samples, not the reference figures)' : ''}, measured ${only.join(', ')}, ${Math.round(elapsedMs / 1000)} s in all.`,
    '',
    `- Machine: ${machineLines.join(', ')}.`,
    `- Versions: ${versionLines.join(', ')}.`,
    `- Dev server: \`temporal server start-dev --headless --log-level error\` on a SQLite file with the dev server settings of docs/operations.md "The Temporal server": ${tuning.map((t) => `\`${t}\``).join(', ')}.`,
    '- Processes: the dev server; the sandboxes (VTEX, Delivery Engine, Abbiamo, zero latency, no faults); our worker (`worker/main.ts`, prebuilt workflow bundle) and our intake API (`api/main.ts`), `NODE_ENV=production LOG_LEVEL=info`, logs to files; the bare worker (`scripts/bench/bareWorker.ts`, the same worker options as ours). All run as compiled JavaScript on plain node (`tsc` output, as the Docker image runs them); fresh ones on fresh task queues for each measurement. The bench process generates the load.',
    `- Plan: Create ${plan.create.levels.join('/')} callers, ${plan.create.warmupMs / 1000} s warm-up + ${plan.create.durationMs / 1000} s measured per run; burst ${plan.burst.total} at ${plan.burst.concurrency}; event latency ${plan.latency.map((l) => `${l.deliveries} deliveries ${l.concurrency} at a time`).join(', ')}; lives ${plan.lives.map((l) => `${l.lives} at ${l.concurrency}`).join(', ')}; memory ${plan.memory.open} open; rates ${plan.rates.levels.join('/')} callers at engine latency ${plan.rates.engineLatenciesMs.join('/')} ms, ${plan.rates.warmupMs / 1000} s warm-up + ${plan.rates.durationMs / 1000} s measured per run, ${plan.rates.warmCarts} warm carts.`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('npm run bench --')
    .description('Benchmarks of the delivery bridge beside bare Temporal baselines; writes BENCHMARKS.md')
    .addOption(new Option('--only <measurement>', 'run one measurement').choices([...ALL, 'label']))
    .option(
      '--quick',
      'short smoke run (small samples); writes bench-results/BENCHMARKS.quick.md unless --out is given',
    )
    .option('--out <file>', 'markdown file to update (default BENCHMARKS.md)')
    .option(
      '--profile',
      'write V8 CPU profiles of our worker, our API and the bare worker to the run folder (slows them: not for reference figures)',
    )
    .addOption(
      new Option(
        '--target <server>',
        'dev: the sections 1-4 on the dev server; cluster: section 5, the cluster beside the dev server',
      )
        .choices(['dev', 'cluster'])
        .default('dev'),
    )
    .option(
      '--shards <counts>',
      'with --target cluster: history shard counts, one fresh cluster each (e.g. 4,1: the first with 1 and 2 workers, the others with 2)',
      serverEnv().NUM_HISTORY_SHARDS,
    )
    .parse(argv);
  const opts = program.opts<{
    only?: Measurement;
    quick?: boolean;
    out?: string;
    profile?: boolean;
    target: 'dev' | 'cluster';
    shards: string;
  }>();
  if (opts.target === 'cluster') return clusterMain(argv, opts);
  if (opts.only === 'label') return labelMain(argv, opts);
  const plan = opts.quick ? QUICK : FULL;
  const only = opts.only ? [opts.only] : ALL;
  const out = path.resolve(REPO_ROOT, opts.out ?? (opts.quick ? 'bench-results/BENCHMARKS.quick.md' : 'BENCHMARKS.md'));
  const startedAt = new Date();
  const runDir = path.join(REPO_ROOT, 'bench-results', startedAt.toISOString().replace(/[:.]/g, '-'));
  const log = (line: string) =>
    console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);

  const env = new BenchEnvironment(runDir, log);
  let stopping = false;
  const abort = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`\n${signal}: stopping the bench's processes...`);
    void env.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => abort('SIGINT'));
  process.once('SIGTERM', () => abort('SIGTERM'));

  const [machineLines, versionLines] = [machine(), await versions()];
  const results: Results = {};
  const sections: Partial<Record<SectionName, string>> = {};
  try {
    await env.start();
    for (const measurement of only) {
      log(`${measurement}: starting fresh workers and API`);
      const services = await env.startServices(measurement, { profile: opts.profile });
      try {
        if (measurement === 'create') {
          results.create = await measureCreate(env, services, plan.create, log);
          sections.create = createSection(results.create);
        } else if (measurement === 'burst') {
          results.burst = await measureBurst(env, services, plan.burst.total, plan.burst.concurrency, log);
          sections.burst = burstSection(results.burst);
        } else if (measurement === 'life') {
          results.latency = await measureEventLatency(env, services, plan.latency, log);
          results.lives = await measureLives(env, services, plan.lives, log);
          sections.life = [
            '### (a) Event to VTEX call',
            '',
            eventLatencySection(results.latency),
            '',
            '### (b) Full lives per second',
            '',
            livesSection(results.lives),
          ].join('\n');
        } else if (measurement === 'rates') {
          results.rates = await measureRates(env, services, plan.rates, log);
          sections.rates = ratesSection(results.rates);
        } else {
          results.memory = await measureMemory(env, services, plan.memory.open, plan.memory.quietMs, log);
          sections.memory = memorySection(results.memory);
        }
      } finally {
        await services.stop();
      }
      console.log(`\n${sections[measurement === 'life' ? 'life' : measurement]}\n`);
    }
  } finally {
    closeHttp();
    await env.stop();
  }
  const elapsedMs = Date.now() - startedAt.getTime();
  const args = argv.slice(2).join(' ');
  sections.setup = setupSection(
    plan,
    Boolean(opts.quick),
    only,
    args,
    startedAt,
    elapsedMs,
    machineLines,
    versionLines,
  );
  writeFileSync(path.join(runDir, 'results.json'), JSON.stringify({ startedAt, args, plan, results }, null, 2));
  writeSections(out, sections);
  log(
    `done in ${Math.round(elapsedMs / 1000)} s: ${path.relative(REPO_ROOT, out)} updated, raw results in ${path.relative(REPO_ROOT, runDir)}/results.json`,
  );
}

/** `--only label`: renders in this process, writes section 8 only (the Setup section is the stack's). */
async function labelMain(argv: string[], opts: { quick?: boolean; out?: string }): Promise<void> {
  const plan = opts.quick ? LABEL_QUICK : LABEL_FULL;
  const out = path.resolve(REPO_ROOT, opts.out ?? (opts.quick ? 'bench-results/BENCHMARKS.quick.md' : 'BENCHMARKS.md'));
  const before = os.loadavg()[0]!;
  const rows = await measureLabel(plan, (line) => console.log(`[bench] ${line}`));
  const load = { before, after: os.loadavg()[0]! };
  const section = labelSection(rows, plan, machine(), `npm run bench -- ${argv.slice(2).join(' ')}`, load);
  console.log(`\n${section}\n`);
  writeSections(out, { label: section });
}

async function clusterMain(argv: string[], opts: { quick?: boolean; out?: string; shards: string }): Promise<void> {
  const shards = opts.shards.split(',').map((n) => Number(n.trim()));
  if (shards.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--shards ${opts.shards}: whole numbers >= 1, comma separated`);
  const plan: ClusterPlan = { ...(opts.quick ? CLUSTER_QUICK : CLUSTER_FULL), shards };
  const out = path.resolve(REPO_ROOT, opts.out ?? (opts.quick ? 'bench-results/BENCHMARKS.quick.md' : 'BENCHMARKS.md'));
  const startedAt = new Date();
  const runDir = path.join(REPO_ROOT, 'bench-results', startedAt.toISOString().replace(/[:.]/g, '-'));
  const log = (line: string) =>
    console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  let current: BenchEnvironment | undefined;
  let stopping = false;
  const abort = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`\n${signal}: stopping the bench's processes...`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => abort('SIGINT'));
  process.once('SIGTERM', () => abort('SIGTERM'));

  const [machineLines, versionLines] = [machine(), await versions()];
  const args = argv.slice(2).join(' ');
  const write = (results: ClusterConfigResult[], complete: boolean) => {
    const elapsedMs = Date.now() - startedAt.getTime();
    const table = clusterSection(results);
    if (complete) console.log(`\n${table}\n`);
    const setup = [
      `Run ${startedAt.toISOString()}: \`npm run bench -- ${args}\`${opts.quick ? ' (QUICK smoke run: small samples, not the reference figures)' : ''}, ${Math.round(elapsedMs / 1000)} s in all.`,
      '',
      `- Machine: ${machineLines.join(', ')}.`,
      `- Versions: ${versionLines.join(', ')}; the cluster: Temporal server ${TEMPORAL_SERVER_VERSION} (go.temporal.io/server/cmd/server, the one the CLI embeds) with ${serverEnv().DB} persistence on Debian's PostgreSQL.`,
      '- Configurations, one after the other, each with fresh workers and API on fresh task queues: the dev server (one shard, SQLite, dev server settings of docs/operations.md "The Temporal server"); for each shard count a fresh cluster (`npm run cluster`\'s, no Web UI), the first with 1 and then 2 of our workers on one task queue, the others with 2; one intake API, the bare worker beside them. The same dynamic config everywhere (deploy/temporal/dynamicconfig.yaml).',
      `- Plan per configuration: Create ${plan.create.levels.join('/')} callers, ${plan.create.warmupMs / 1000} s warm-up + ${plan.create.durationMs / 1000} s measured; event latency ${plan.latency.map((l) => `${l.deliveries} deliveries ${l.concurrency} at a time`).join(', ')}; lives ${plan.lives.map((l) => `${l.lives} at ${l.concurrency}`).join(', ')}. CPU: 100 % = one core of two; \`postgres\` counts every PostgreSQL backend, \`workers\` all of ours; \`other\` is load foreign to the bench (other sessions on the machine).`,
    ].join('\n');
    writeFileSync(
      path.join(runDir, 'cluster-results.json'),
      JSON.stringify({ startedAt, args, plan, results, complete }, null, 2),
    );
    writeSections(out, {
      cluster: `${setup}${complete ? '' : ' (STOPPED EARLY: the configurations measured so far)'}\n\n${table}`,
    });
    log(
      `${complete ? 'done' : 'so far'} in ${Math.round(elapsedMs / 1000)} s: ${path.relative(REPO_ROOT, out)} updated, raw results in ${path.relative(REPO_ROOT, runDir)}/cluster-results.json`,
    );
  };
  try {
    write(
      await measureClusterTarget(
        runDir,
        plan,
        log,
        (env) => (current = env),
        (so) => write(so, false),
      ),
      true,
    );
  } finally {
    closeHttp();
  }
}

main(process.argv).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
