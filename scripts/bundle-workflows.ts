/** Writes the workflow bundle to a file (Docker build), so production workers skip bundling. */
import { writeFileSync } from 'node:fs';
import { bundleDeliveryWorkflows } from '../worker/bundle';

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'dist/workflow-bundle.js';
  const code = await bundleDeliveryWorkflows();
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
