/**
 * `npm run bench -- --only label`: how long rendering a shipping label takes (docs/labels.md), in
 * this process, one render at a time: a package's PDF and ZPL, and the PDF of a delivery's three
 * packages (Abbiamo's `mail_label`), beside a bare baseline, an empty pdfkit page. The target: a
 * label in at most 50 ms p99, so the Create answer never waits on one (its URLs are signed at
 * answer time; the render happens when a label is fetched). Needs no Temporal and no sandbox.
 */
import { performance } from 'node:perf_hooks';
import PDFDocument from 'pdfkit';
import example from '../../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest } from '../../contracts/vtex';
import { packageLabels } from '../../mapping/labelContent';
import { renderLabelPdf } from '../../api/labels/pdf';
import { renderLabelZpl } from '../../api/labels/zpl';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { ms, summarize, type LatencySummary } from './stats';

export const LABEL_TARGET_P99_MS = 50;

export interface LabelPlan {
  warmup: number;
  samples: number;
}

export interface LabelRow {
  what: string;
  bytes: number;
  summary: LatencySummary;
  /** CPU time of this process per render (user + system): what a render costs whatever else runs. */
  cpuMs: number;
}

function emptyPage(): Promise<Buffer> {
  const doc = new PDFDocument({ size: [283.46, 425.2], margin: 0 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.end();
  return done;
}

export async function measureLabel(plan: LabelPlan, log: (line: string) => void): Promise<LabelRow[]> {
  const body = structuredClone(example) as Record<string, any>;
  body.packages = ['PKG-A', 'PKG-B', 'PKG-C'].map((id) => ({ ...structuredClone(body.packages[0]), id }));
  const input = mapVtexCreateService(CreateServiceRequest.parse(body), { now: new Date(), creationGraceMs: 600_000 });
  const labels = packageLabels(
    input,
    {
      status: 'ASSIGNED',
      job: {
        trackingUrl: 'https://track.engine.example/jobs/6f1c2a9e-1d5b-4c1e-9a8e-2b7f4d3c1a0e',
        startsAt: '2026-12-07T14:00:00.000Z',
        endsAt: '2026-12-07T16:00:00.000Z',
      },
    },
    'Delivery Bridge',
  );
  const cases: Array<[string, () => Promise<Buffer | string>]> = [
    ['bare: an empty pdfkit page', emptyPage],
    ['PDF label, one package', () => renderLabelPdf([labels[0]!])],
    ['ZPL label, one package', () => Promise.resolve(renderLabelZpl([labels[0]!]))],
    ['PDF of 3 packages (mail_label)', () => renderLabelPdf(labels)],
  ];
  const rows: LabelRow[] = [];
  for (const [what, render] of cases) {
    let bytes = 0;
    for (let i = 0; i < plan.warmup; i += 1) bytes = (await render()).length;
    const samples: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < plan.samples; i += 1) {
      const start = performance.now();
      await render();
      samples.push(performance.now() - start);
    }
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / plan.samples;
    const summary = summarize(samples);
    log(
      `label: ${what}: p50 ${ms(summary.p50)} ms, p99 ${ms(summary.p99)} ms, CPU ${ms(cpuMs)} ms (${summary.n} renders)`,
    );
    rows.push({ what, bytes, summary, cpuMs });
  }
  return rows;
}

export function labelSection(
  rows: LabelRow[],
  plan: LabelPlan,
  machine: string[],
  command: string,
  load: { before: number; after: number },
): string {
  const label = rows.find((r) => r.what === 'PDF label, one package');
  const met = label ? label.summary.p99 <= LABEL_TARGET_P99_MS : false;
  return [
    `Run ${new Date().toISOString()}: \`${command}\`, ${machine.join(', ')}, Node ${process.version}; in the bench process, one render at a time, ${plan.warmup} warm-up renders then ${plan.samples} measured per row (milliseconds). Load average (1 min) ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after: other processes share the cores, and the wall times carry their share; the CPU column is this process's own time per render.`,
    '',
    '| render | bytes | CPU per render | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.bytes} | ${ms(r.cpuMs)} | ${ms(r.summary.p50)} | ${ms(r.summary.p95)} | ${ms(r.summary.p99)} | ${ms(r.summary.max)} |`,
    ),
    '',
    `Target: a package's label in at most ${LABEL_TARGET_P99_MS} ms p99: ${met ? 'met' : 'NOT met'}.`,
  ].join('\n');
}
