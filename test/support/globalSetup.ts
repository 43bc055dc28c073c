/**
 * Once per `npm test`: a real Temporal dev server on free ports (headless, its own SQLite file),
 * and the workflow bundle built once for every test file's workers. With TEMPORAL_ADDRESS set
 * (`npm run test:cluster` sets it to the cluster it starts), the tests use that server instead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../scripts/dev-server';
import { bundleDeliveryWorkflows } from '../../worker/bundle';

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-test-'));
  const started = Date.now();
  const existing = process.env.TEMPORAL_ADDRESS;
  const [server, bundle] = await Promise.all([
    existing
      ? undefined
      : startDevServer({
          dbFile: path.join(dir, 'temporal.sqlite'),
          uiPort: false,
          log: (l) => process.stderr.write(`${l}\n`),
        }),
    // With the worker's failure converter: failures the workflow writes are encrypted too.
    bundleDeliveryWorkflows(),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle);
  const address = server?.address ?? existing!;
  process.env.TEST_TEMPORAL_ADDRESS = address;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_TMP_DIR = dir;
  (globalThis as Record<string, unknown>).__DEV_SERVER__ = server;
  process.stderr.write(
    `\n[test setup] ${server ? 'Temporal dev server' : 'Temporal at TEMPORAL_ADDRESS'} ${address}, workflow bundle ready in ${Date.now() - started} ms\n`,
  );
}
