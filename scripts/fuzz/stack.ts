/**
 * What the bad-input run talks to: the intake API and the worker as their own processes (the API's
 * memory is read from /proc), the VTEX and engine sandboxes in this process so that a valid request
 * is carried through, and a Temporal server: the one given, or a dev server of its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleDeliveryWorkflows } from '../../worker/bundle';
import { SANDBOX_DEFAULTS } from '../../config';
import createExample from '../../contracts/examples/vtex.create-service.json';
import { startDeliveryEngineSandbox, startAbbiamoSandbox, startVtexSandbox } from '../../sandboxes';
import { freePort, startDevServer, type DevServer } from '../dev-server';
import { nodeProcess } from '../chaos/processes';
import { formatKeyRing } from '../../security/codec';
import { createDataConverter } from '../../security/dataConverter';
import type { FuzzContext } from './requests';

export interface FuzzStack {
  apiUrl: string;
  /** The bearer token of the caller role whose route `path` is (each role its own in production). */
  tokenFor(path: string): string;
  apiPid: number;
  client: Client;
  context: FuzzContext;
  stop(): Promise<void>;
}

// Production rules apply (NODE_ENV=production): each caller role its own tokens of 32 characters or
// more, a key ring of its own.
const TOKENS = {
  vtex: 'fuzz-vtex-token-0123456789abcdef0123',
  abbiamo: 'fuzz-abbiamo-token-0123456789abcdef',
  operator: 'fuzz-operator-token-0123456789abcdef',
};
const tokenFor = (requestPath: string) =>
  requestPath.startsWith('/vtex')
    ? TOKENS.vtex
    : requestPath.startsWith('/marketplace')
      ? TOKENS.abbiamo
      : TOKENS.operator;
const WEBHOOK_SECRET = 'fuzz-webhook-secret-0123456789';
export const FUZZ_ENGINE_WEBHOOK_SECRET = 'fuzz-instaleap-webhook-secret';
const CODEC_KEYS = formatKeyRing([
  { id: 'fuzz-1', key: createHash('sha256').update('delivery-bridge fuzz key').digest() },
]);

export async function startFuzzStack(
  options: { temporalAddress?: string; workflowBundlePath?: string; log?: (line: string) => void } = {},
): Promise<FuzzStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-fuzz-'));
  let server: DevServer | undefined;
  if (!options.temporalAddress)
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), uiPort: false, log: options.log });
  const address = options.temporalAddress ?? server!.address;
  let bundlePath = options.workflowBundlePath;
  if (!bundlePath) {
    bundlePath = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, await bundleDeliveryWorkflows());
  }
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const vtex = await startVtexSandbox({ apiKey: 'fuzz-vtex-key', intake: { url: apiUrl, token: TOKENS.vtex } });
  const engine = await startDeliveryEngineSandbox({
    apiKey: 'fuzz-engine-key',
    webhookSecret: FUZZ_ENGINE_WEBHOOK_SECRET,
  });
  const abbiamo = await startAbbiamoSandbox({ intake: { url: apiUrl, token: TOKENS.abbiamo } });
  const healthPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    LOG_FORMAT: 'json',
    PORT: String(apiPort),
    VTEX_TOKENS: TOKENS.vtex,
    MARKETPLACE_TOKENS: TOKENS.abbiamo,
    OPERATOR_TOKENS: TOKENS.operator,
    VTEX_CARRIER_ID: createExample.carrierId,
    VTEX_API_KEY: 'fuzz-vtex-key',
    VTEX_TRACKING_URL: vtex.url,
    VTEX_AUTH_URL: vtex.url,
    DELIVERY_ENGINE_URL: engine.url,
    DELIVERY_ENGINE_API_KEY: 'fuzz-engine-key',
    DELIVERY_ENGINE_WEBHOOK_SECRET: FUZZ_ENGINE_WEBHOOK_SECRET,
    DELIVERY_ENGINE_STORE_REFERENCE: 'fuzz-store',
    MARKETPLACE_URL: abbiamo.url,
    // An explicit partner URL needs its key; the sandbox's default one.
    MARKETPLACE_CARRIER_KEY: SANDBOX_DEFAULTS.abbiamoCarrierKey,
    WEBHOOK_SECRET,
    SECRETS_KEY: 'fuzz-secrets-key-0123456789abcdef01234',
    LABEL_SIGNING_KEY: 'fuzz-label-signing-key-0123456789abcdef',
    CODEC_KEYS,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `fuzz-${randomUUID()}`,
    WORKFLOW_BUNDLE_PATH: bundlePath,
  };
  const worker = nodeProcess(
    'worker',
    'worker/main.ts',
    { ...env, WORKER_HEALTH_PORT: String(healthPort) },
    path.join(dir, 'worker.log'),
    `http://127.0.0.1:${healthPort}/healthz`,
  );
  const api = nodeProcess('api', 'api/main.ts', env, path.join(dir, 'api.log'), `${apiUrl}/readyz`);
  await Promise.all([worker.start(), api.start()]);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter: createDataConverter(CODEC_KEYS) });

  // One real delivery: cancel, pause and engine events are fuzzed against a service that exists.
  const orderId = `FZ-known-${randomUUID().slice(0, 8)}`;
  const created = await vtex.createService({ ...structuredClone(createExample), orderId });
  const serviceId = (created.body as { serviceId?: string } | null)?.serviceId;
  if (created.status !== 200 || !serviceId)
    throw new Error(`fuzz: the known delivery could not be created: ${created.status} ${JSON.stringify(created.body)}`);
  options.log?.(
    `fuzz: API ${apiUrl} (pid ${api.pid()}), Temporal ${address}, known delivery ${serviceId}; logs in ${dir}`,
  );

  return {
    apiUrl,
    tokenFor,
    apiPid: api.pid()!,
    client,
    context: {
      webhookSecret: WEBHOOK_SECRET,
      engineWebhookSecret: FUZZ_ENGINE_WEBHOOK_SECRET,
      known: { serviceId, carrierId: createExample.carrierId, orderId },
    },
    async stop() {
      await api.stop();
      await worker.stop();
      await connection.close().catch(() => undefined);
      await Promise.all([vtex.close(), engine.close(), abbiamo.close()]);
      await server?.stop();
    },
  };
}
