/**
 * `npm run label:example`: renders the example label of docs/labels.md from VTEX's published
 * Create service example (fictional people), as the bridge renders it, as the image
 * docs/label-example.png (pdftoppm at 96 dpi, grey: a small file). Needs poppler-utils
 * (scripts/poppler.ts installs it when missing).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import example from '../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest } from '../contracts/vtex';
import { packageLabels } from '../mapping/labelContent';
import { renderLabelPdf } from '../api/labels/pdf';
import { mapVtexCreateService } from '../mapping/vtexToJob';
import { ensurePdftoppm } from './poppler';

async function main(): Promise<void> {
  const found = ensurePdftoppm((line) => console.log(line));
  if ('missing' in found) throw new Error(`pdftoppm is missing: ${found.missing}`);
  const body = structuredClone(example) as Record<string, any>;
  body.packages = ['PKG-A', 'PKG-B'].map((id) => ({ ...structuredClone(body.packages[0]), id }));
  const now = new Date('2026-12-07T09:00:00.000Z');
  const input = mapVtexCreateService(CreateServiceRequest.parse(body), { now, creationGraceMs: 600_000 });
  const [label] = packageLabels(
    input,
    {
      status: 'ASSIGNED',
      job: {
        trackingUrl: 'https://tracking.engine.example/jobs/6f1c2a9e',
        startsAt: '2026-12-07T14:00:00.000Z',
        endsAt: '2026-12-07T16:00:00.000Z',
      },
    },
    'Rápido Entregas',
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'label-example-'));
  try {
    const pdf = path.join(dir, 'label.pdf');
    writeFileSync(pdf, await renderLabelPdf([label!]));
    const out = path.join(__dirname, '..', 'docs', 'label-example');
    execFileSync('pdftoppm', ['-r', '96', '-gray', '-png', '-singlefile', pdf, out]);
    console.log(`${path.relative(process.cwd(), out)}.png written`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
