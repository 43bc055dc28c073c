/**
 * deploy/grafana/delivery-bridge.json is a well-formed Grafana dashboard over series that exist:
 * every panel query names metrics our registries define (API and worker) or Temporal SDK metrics
 * the metrics integration test sees served, a histogram only through its _bucket, _sum or _count.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { createIntakeMetrics } from '../../api/metrics';
import { SDK_DASHBOARD_METRICS, SDK_HISTOGRAMS } from '../../observability/metrics/sdk';
import { createWorkerMetrics } from '../../observability/metrics/worker';

const file = path.resolve(__dirname, '../../deploy/grafana/delivery-bridge.json');

const Target = z.object({ refId: z.string(), expr: z.string().min(1), legendFormat: z.string() });
const GridPos = z.object({
  h: z.number().int().positive(),
  w: z.number().int().positive().max(24),
  x: z.number().int().min(0).max(23),
  y: z.number().int().min(0),
});
const Panel = z.discriminatedUnion('type', [
  z.object({ id: z.number().int(), type: z.literal('row'), title: z.string().min(1), gridPos: GridPos }),
  z.object({
    id: z.number().int(),
    type: z.enum(['timeseries', 'stat']),
    title: z.string().min(1),
    gridPos: GridPos,
    datasource: z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') }),
    targets: z.array(Target).min(1),
  }),
]);
const Dashboard = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number().int(),
  templating: z.object({ list: z.array(z.object({ name: z.string(), type: z.string() })) }),
  panels: z.array(Panel).min(1),
});

const dashboard = Dashboard.parse(JSON.parse(readFileSync(file, 'utf8')));
const queries = dashboard.panels.flatMap((p) =>
  p.type === 'row' ? [] : p.targets.map((t) => ({ panel: p.title, expr: t.expr })),
);
const METRIC = /\b(?:delivery_bridge|temporal)_[a-z0-9_]+\b/g;

async function definedMetrics(): Promise<Map<string, string>> {
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: { count: async () => ({ count: 0, groups: [] }) },
  } as unknown as Client;
  const registries = [
    createWorkerMetrics().registry,
    createIntakeMetrics({ visibility: { client, taskQueue: 'q' } }).registry,
  ];
  const types = new Map<string, string>();
  for (const registry of registries)
    for (const metric of await registry.getMetricsAsJSON()) types.set(metric.name, String(metric.type));
  for (const name of Object.values(SDK_DASHBOARD_METRICS))
    types.set(name, SDK_HISTOGRAMS.has(name) ? 'histogram' : 'sdk');
  return types;
}

describe('the Grafana dashboard', () => {
  it('has unique panel ids, panels inside the 24 columns, none overlapping', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          const cell = `${x},${y}`;
          if (cells.has(cell)) throw new Error(`panel "${title}" overlaps another at ${cell}`);
          cells.add(cell);
        }
    }
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
  });

  it('queries only series our registries or the Temporal SDK serve, histograms through their buckets', async () => {
    const defined = await definedMetrics();
    const problems: string[] = [];
    for (const { panel, expr } of queries) {
      const names = expr.match(METRIC) ?? [];
      if (names.length === 0) problems.push(`${panel}: names no metric of ours (${expr})`);
      for (const name of names) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        const type = defined.get(name) ?? defined.get(base);
        if (!type) problems.push(`${panel}: ${name} is defined nowhere`);
        else if (type === 'histogram' && base === name)
          problems.push(`${panel}: histogram ${name} read without a suffix`);
        else if (type === 'histogram' && /histogram_quantile/.test(expr) && !name.endsWith('_bucket'))
          problems.push(`${panel}: quantile of ${name} needs its _bucket series`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows every series family of the worker and the intake', async () => {
    const used = new Set(
      queries.flatMap(({ expr }) => (expr.match(METRIC) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, ''))),
    );
    const ours = [...(await definedMetrics()).keys()].filter(
      (name) => name.startsWith('delivery_bridge_') && !/^delivery_bridge_(process|nodejs)_/.test(name),
    );
    expect(ours.filter((name) => !used.has(name))).toEqual([]);
  });
});
