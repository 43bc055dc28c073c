/**
 * `npm run bench -- --target cluster`: Create service, event-to-VTEX latency and lives per second
 * on the cluster of `npm run cluster` (PostgreSQL, the Temporal server built from the Go proxy)
 * with one and with two of our workers, beside the dev server, in one run on one machine. Each
 * shard count asked for (`--shards 4` by default, e.g. `--shards 1,4`) gets a fresh database.
 */
import path from 'node:path';
import { measureCreate, type CreateRow, type CreateSettings } from './create';
import { measureEventLatency, measureLives, type LatencyLevel, type LatencyRow, type LivesLevel, type LivesRow } from './life';
import { BenchEnvironment, type BenchTarget } from './stack';
import { ms, perSecond } from './stats';

export interface ClusterPlan {
  create: CreateSettings;
  latency: LatencyLevel[];
  lives: LivesLevel[];
  shards: number[];
  workers: number[];
}

export interface ClusterConfigResult {
  label: string;
  server: 'dev' | 'cluster';
  shards: number;
  workers: number;
  create: CreateRow[];
  latency: LatencyRow[];
  lives: LivesRow[];
}

export async function measureClusterTarget(runDir: string, plan: ClusterPlan, log: (line: string) => void, onEnv: (env: BenchEnvironment | undefined) => void): Promise<ClusterConfigResult[]> {
  const servers: Array<{ name: string; target: BenchTarget; shards: number; workers: number[] }> = [
    { name: 'dev', target: { kind: 'dev' }, shards: 1, workers: [1] },
    ...plan.shards.map((shards) => ({ name: `cluster-${shards}-shards`, target: { kind: 'cluster', historyShards: shards } as BenchTarget, shards, workers: plan.workers })),
  ];
  const results: ClusterConfigResult[] = [];
  for (const server of servers) {
    const env = new BenchEnvironment(path.join(runDir, server.name), log, server.target);
    onEnv(env);
    try {
      await env.start();
      for (const workers of server.workers) {
        const label = server.target.kind === 'dev' ? 'dev server' : `cluster, ${server.shards} shard${server.shards > 1 ? 's' : ''}, ${workers} worker${workers > 1 ? 's' : ''}`;
        log(`${label}: create`);
        let services = await env.startServices(`${server.name}-${workers}w-create`, { workers });
        let create: CreateRow[];
        try {
          create = await measureCreate(env, services, plan.create, log);
        } finally {
          await services.stop();
        }
        log(`${label}: life`);
        services = await env.startServices(`${server.name}-${workers}w-life`, { workers });
        let latency: LatencyRow[];
        let lives: LivesRow[];
        try {
          latency = await measureEventLatency(env, services, plan.latency, log);
          lives = await measureLives(env, services, plan.lives, log);
        } finally {
          await services.stop();
        }
        results.push({ label, server: server.target.kind, shards: server.shards, workers, create, latency, lives });
      }
    } finally {
      await env.stop();
      onEnv(undefined);
    }
  }
  return results;
}

const CPU_NAMES = ['server', 'postgres', 'workers', 'api', 'sandboxes', 'bench', 'other', 'machine'];

/** One process's CPU, our workers summed. */
function cpuOf(cpu: Record<string, number>, name: string): string {
  const value = name === 'workers' ? Object.entries(cpu).filter(([k]) => /^worker\d*$/.test(k)).reduce((sum, [, v]) => sum + v, 0) : cpu[name];
  return value === undefined || !Number.isFinite(value) ? '-' : `${Math.round(value)}%`;
}

/** The cluster section of BENCHMARKS.md: one column per configuration, one row per figure. */
export function clusterSection(results: ClusterConfigResult[]): string {
  const head = ['', ...results.map((r) => r.label)];
  const rows: string[][] = [];
  const row = (name: string, cell: (r: ClusterConfigResult) => string) => rows.push([name, ...results.map(cell)]);
  const first = results[0];
  if (!first) return '(nothing measured)';

  first.create.forEach((level, i) => {
    row(`Create service, ${level.concurrency} caller${level.concurrency > 1 ? 's' : ''}: ours p50 / p99 ms, answers/s`, (r) => {
      const o = r.create[i]!.ours.load;
      return `${ms(o.latency.p50)} / ${ms(o.latency.p99)}, ${perSecond(o.perSecond)}${o.errors ? ` (${o.errors} errors)` : ''}`;
    });
  });
  const lastCreate = first.create.length - 1;
  row(`Create, ${first.create[lastCreate]!.concurrency} callers: bare update-with-start p99 ms, answers/s`, (r) => {
    const b = r.create[lastCreate]!.bare.load;
    return `${ms(b.latency.p99)}, ${perSecond(b.perSecond)}`;
  });
  first.latency.forEach((level, i) => {
    row(`Event to VTEX, ${level.concurrency} deliveries at once: ours p50 / p99 ms`, (r) => {
      const o = r.latency[i]!.ours.latency;
      return `${ms(o.p50)} / ${ms(o.p99)}`;
    });
  });
  first.lives.forEach((level, i) => {
    row(`Lives per second, ${level.concurrency} at once (${level.lives} lives): ours (bare)`, (r) => {
      const l = r.lives[i]!;
      return `${perSecond(l.ours.perSecond)} (${perSecond(l.bare.perSecond)})${l.ours.failed ? `, ${l.ours.failed} failed` : ''}`;
    });
  });
  const lastLives = first.lives.length - 1;
  row(`Life p50 / p99 ms, ${first.lives[lastLives]!.concurrency} at once`, (r) => {
    const l = r.lives[lastLives]!.ours.lifeMs;
    return `${ms(l.p50)} / ${ms(l.p99)}`;
  });
  for (const name of CPU_NAMES) {
    row(`CPU ${name}, Create at ${first.create[lastCreate]!.concurrency} (ours) / lives at ${first.lives[lastLives]!.concurrency} (ours)`, (r) =>
      `${cpuOf(r.create[lastCreate]!.ours.cpu, name)} / ${cpuOf(r.lives[lastLives]!.ours.cpu, name)}`,
    );
  }
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
