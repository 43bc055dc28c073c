/** Writes the workflow bundle to a file (Docker build), so production workers skip bundling. */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../security/dataConverter';

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'dist/workflow-bundle.js';
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // The worker's failure converter (security/failureConverter.ts) must be in the bundle too.
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
