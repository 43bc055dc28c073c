/**
 * Once per `npm test`: a real Temporal dev server on free ports (headless, its own SQLite file),
 * and the workflow bundle built once for every test file's workers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../scripts/dev-server';
import { FAILURE_CONVERTER_PATH } from '../../security/dataConverter';

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-test-'));
  const started = Date.now();
  const [server, bundle] = await Promise.all([
    startDevServer({
      dbFile: path.join(dir, 'temporal.sqlite'),
      uiPort: false,
      log: (l) => process.stderr.write(`${l}\n`),
    }),
    // With the worker's failure converter: failures the workflow writes are encrypted too.
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietLogger,
    }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_TMP_DIR = dir;
  (globalThis as Record<string, unknown>).__DEV_SERVER__ = server;
  process.stderr.write(
    `\n[test setup] Temporal dev server ${server.address}, workflow bundle ready in ${Date.now() - started} ms\n`,
  );
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
