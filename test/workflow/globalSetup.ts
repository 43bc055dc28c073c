/**
 * Once per `npm run test:workflow`: the time-skipping test server installed (scripts/test-server.ts;
 * once per machine) and the workflow bundle built, for every test file's workers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTestServer } from '../../scripts/test-server';
import { bundleDeliveryWorkflows } from '../../worker/bundle';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-workflow-test-'));
  const [server, bundle] = await Promise.all([ensureTestServer(), bundleDeliveryWorkflows()]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle);
  process.env.TEMPORAL_TEST_SERVER_PATH = server;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_TMP_DIR = dir;
  process.stderr.write(
    `\n[workflow test setup] test server ${server}, workflow bundle ready in ${Date.now() - started} ms\n`,
  );
}
