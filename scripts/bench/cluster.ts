/**
 * `npm run bench -- --target cluster`: Create service, event-to-VTEX latency and lives per second
 * on the cluster of `npm run cluster` (PostgreSQL, the Temporal server built from the Go proxy)
 * with one and with two of our workers, beside the dev server, in one run on one machine. Each
 * shard count asked for (`--shards 4` by default, e.g. `--shards 4,1`) gets a fresh database; the
 * first runs with 1 and 2 workers, the others with 2.
 */
import path from 'node:path';
import { measureCreate, type CreateRow, type CreateSettings } from './create';
import {
  measureEventLatency,
  measureLives,
  type LatencyLevel,
  type LatencyRow,
  type LivesLevel,
  type LivesRow,
} from './life';
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
  /** the server's persistence calls during the life phase (cluster only) */
  persistence?: PersistenceUse;
}

export interface PersistenceUse {
  wallSeconds: number;
  calls: number;
  dbSeconds: number;
  top: Array<{ operation: string; calls: number; meanMs: number; seconds: number }>;
}

type Snapshot = Map<string, { sum: number; count: number }>;

/** The server's `persistence_latency` histogram (Prometheus text), summed per operation over services. */
async function persistenceSnapshot(metricsUrl: string): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const text = await (await fetch(metricsUrl)).text();
  for (const line of text.split('\n')) {
    const m = /^persistence_latency_(sum|count)\{([^}]*)\} ([\d.eE+-]+)$/.exec(line);
    if (!m) continue;
    const operation = /operation="([^"]+)"/.exec(m[2]!)?.[1] ?? '?';
    const entry = out.get(operation) ?? { sum: 0, count: 0 };
    if (m[1] === 'sum') entry.sum += Number(m[3]);
    else entry.count += Number(m[3]);
    out.set(operation, entry);
  }
  return out;
}

function persistenceUse(before: Snapshot, after: Snapshot, wallSeconds: number): PersistenceUse {
  const ops = [...after]
    .map(([operation, a]) => {
      const b = before.get(operation) ?? { sum: 0, count: 0 };
      return { operation, calls: a.count - b.count, seconds: a.sum - b.sum };
    })
    .filter((o) => o.calls > 0);
  const top = ops
    .sort((x, y) => y.seconds - x.seconds)
    .slice(0, 4)
    .map((o) => ({ ...o, meanMs: (1000 * o.seconds) / o.calls }));
  return {
    wallSeconds,
    calls: ops.reduce((n, o) => n + o.calls, 0),
    dbSeconds: ops.reduce((n, o) => n + o.seconds, 0),
    top,
  };
}

export async function measureClusterTarget(
  runDir: string,
  plan: ClusterPlan,
  log: (line: string) => void,
  onEnv: (env: BenchEnvironment | undefined) => void,
  onResult: (results: ClusterConfigResult[]) => void = () => undefined,
): Promise<ClusterConfigResult[]> {
  const servers: Array<{ name: string; target: BenchTarget; shards: number; workers: number[] }> = [
    { name: 'dev', target: { kind: 'dev' }, shards: 1, workers: [1] },
    // The first shard count with every worker count; the others with the most workers only.
    ...plan.shards.map((shards, i) => ({
      name: `cluster-${shards}-shards`,
      target: { kind: 'cluster', historyShards: shards } as BenchTarget,
      shards,
      workers: i === 0 ? plan.workers : [Math.max(...plan.workers)],
    })),
  ];
  const results: ClusterConfigResult[] = [];
  for (const server of servers) {
    const env = new BenchEnvironment(path.join(runDir, server.name), log, server.target);
    onEnv(env);
    try {
      await env.start();
      for (const workers of server.workers) {
        const label =
          server.target.kind === 'dev'
            ? 'dev server'
            : `cluster, ${server.shards} shard${server.shards > 1 ? 's' : ''}, ${workers} worker${workers > 1 ? 's' : ''}`;
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
        let persistence: PersistenceUse | undefined;
        try {
          const metrics = env.cluster?.metricsUrl;
          const before = metrics ? await persistenceSnapshot(metrics) : undefined;
          const t0 = Date.now();
          latency = await measureEventLatency(env, services, plan.latency, log);
          lives = await measureLives(env, services, plan.lives, log);
          if (metrics && before)
            persistence = persistenceUse(before, await persistenceSnapshot(metrics), (Date.now() - t0) / 1000);
        } finally {
          await services.stop();
        }
        results.push({
          label,
          server: server.target.kind,
          shards: server.shards,
          workers,
          create,
          latency,
          lives,
          ...(persistence ? { persistence } : {}),
        });
        // Written after each configuration: a run stopped early keeps what it measured.
        onResult(results);
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
  const value =
    name === 'workers'
      ? Object.entries(cpu)
          .filter(([k]) => /^worker\d*$/.test(k))
          .reduce((sum, [, v]) => sum + v, 0)
      : cpu[name];
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
    row(
      `Create service, ${level.concurrency} caller${level.concurrency > 1 ? 's' : ''}: ours p50 / p99 ms, answers/s`,
      (r) => {
        const o = r.create[i]!.ours.load;
        return `${ms(o.latency.p50)} / ${ms(o.latency.p99)}, ${perSecond(o.perSecond)}${o.errors ? ` (${o.errors} errors)` : ''}`;
      },
    );
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
  // CPU time per life is what sizing needs: unlike lives/s it holds when other load shares the cores.
  row(`CPU ms per life at ${first.lives[lastLives]!.concurrency}: server / postgres / workers / api`, (r) => {
    const l = r.lives[lastLives]!.ours;
    const perLife = (name: string) => {
      const pct = Number(cpuOf(l.cpu, name).replace('%', ''));
      return Number.isFinite(pct) ? Math.round((pct / 100) * (1000 / l.perSecond)) : NaN;
    };
    return ['server', 'postgres', 'workers', 'api']
      .map((n) => (Number.isFinite(perLife(n)) ? String(perLife(n)) : '-'))
      .join(' / ');
  });
  for (const name of CPU_NAMES) {
    row(
      `CPU ${name}, Create at ${first.create[lastCreate]!.concurrency} (ours) / lives at ${first.lives[lastLives]!.concurrency} (ours)`,
      (r) => `${cpuOf(r.create[lastCreate]!.ours.cpu, name)} / ${cpuOf(r.lives[lastLives]!.ours.cpu, name)}`,
    );
  }
  const db = results
    .filter((r) => r.persistence)
    .map((r) => {
      const p = r.persistence!;
      const top = p.top.map((o) => `${o.operation} ${o.calls} x ${o.meanMs.toFixed(1)} ms`).join(', ');
      return `- ${r.label}: ${p.calls} persistence calls in ${p.wallSeconds.toFixed(0)} s of the life phase (${(p.calls / p.wallSeconds).toFixed(0)}/s, ours and bare), ${p.dbSeconds.toFixed(1)} s inside PostgreSQL calls (mean ${((1000 * p.dbSeconds) / p.calls).toFixed(1)} ms); most time: ${top}.`;
    });
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    ...(db.length
      ? [
          '',
          "The server's persistence calls (its `persistence_latency` metric) during each cluster's life phase (event latency and lives, ours and bare):",
          '',
          ...db,
        ]
      : []),
  ].join('\n');
}
