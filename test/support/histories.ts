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
import type { Payload } from '@temporalio/common';
import { parseEnv, resolveTemporalAccess } from '../../config';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { EncryptionCodec, ENCRYPTED_ENCODING } from '../../security/codec';

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/**
 * Writes the workflow's history; by default once it ended, so the whole life is replayed. `runId`:
 * that run's history (one that continued as new), not the newest run's.
 */
export async function recordHistory(
  client: Client,
  workflowId: string,
  name: string,
  options: { waitForEnd?: boolean; runId?: string } = {},
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
      ...(options.runId ? ['--run-id', options.runId] : []),
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
  // Recorded histories hold sandbox data only and are kept decoded: the replay needs no key, and the
  // codec passes plain payloads through (security/codec.ts).
  const decoded = await decodeJsonHistory(JSON.parse(json) as unknown);
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(decoded, null, 2)}\n`);
}

function testCodec(): EncryptionCodec {
  return new EncryptionCodec(resolveTemporalAccess(parseEnv({})).codecKeys);
}

const b64 = (s: string) => Buffer.from(s, 'base64');
const isEncrypted = (metadata: Record<string, unknown>, read: (v: unknown) => Buffer) =>
  metadata.encoding !== undefined && read(metadata.encoding).toString('utf8') === ENCRYPTED_ENCODING;

/** The CLI's JSON history (payload bytes in base64) with every encrypted payload decoded. */
async function decodeJsonHistory(value: unknown, codec = testCodec()): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => decodeJsonHistory(v, codec)));
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && isEncrypted(metadata, (v) => b64(String(v)))) {
    const payload: Payload = {
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, b64(String(v))])),
      data: b64(String(record.data ?? '')),
    };
    const [plain] = await codec.decode([payload]);
    return {
      metadata: Object.fromEntries(
        Object.entries(plain!.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(plain!.data ?? new Uint8Array()).toString('base64'),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = await decodeJsonHistory(v, codec);
  return out;
}

/** A fetched history (payload bytes as Uint8Array) with every encrypted payload decoded. */
async function decodeFetchedHistory(value: unknown, codec: EncryptionCodec): Promise<unknown> {
  if (value instanceof Uint8Array || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Promise.all(value.map((v) => decodeFetchedHistory(v, codec)));
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && isEncrypted(metadata, (v) => Buffer.from(v as Uint8Array))) {
    const [plain] = await codec.decode([record as Payload]);
    return plain;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = await decodeFetchedHistory(v, codec);
  return out;
}

/**
 * Every string and payload of a workflow's history, decrypted with the codec's keys and decoded:
 * what an operator reads through the codec server, to check what even they never see in clear.
 */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await decodeFetchedHistory(await client.workflow.getHandle(workflowId).fetchHistory(), testCodec());
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
