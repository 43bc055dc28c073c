/**
 * Recorded workflow histories for the replay tests. `RECORD_HISTORIES=1 npm test` rewrites
 * test/histories/<name>.json from the real runs of the integration tests that call
 * `recordHistory`; the replay test runs every file through the current workflow code.
 *
 * Histories are exported with the Temporal CLI (`temporal workflow show -o json`), the same JSON
 * the Web UI downloads, which `historyFromJSON` reads back.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../../scripts/temporal-cli';

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/** Writes the workflow's history; by default once it ended, so the whole life is replayed. */
export async function recordHistory(
  client: Client,
  workflowId: string,
  name: string,
  options: { waitForEnd?: boolean } = {},
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  if (options.waitForEnd ?? true) await client.workflow.getHandle(workflowId).result();
  const cli = await ensureTemporalCli();
  const json = execFileSync(
    cli,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      process.env.TEST_TEMPORAL_ADDRESS!,
      '--output',
      'json',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}

/** Every string and payload of a workflow's history, decoded, to check what it holds in clear. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}
