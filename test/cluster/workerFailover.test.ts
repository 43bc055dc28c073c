/**
 * Two workers on one task queue of the cluster; one is killed with SIGKILL (no drain, no goodbye
 * to the server) in the middle of a load of 200 whole delivery lives. Every delivery still ends
 * DELIVERED, each has exactly one job at the engine and at VTEX exactly the reports its events
 * carried (none lost, none twice), and the histories show the surviving worker finishing
 * deliveries the killed one had been running.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { SANDBOX_DEFAULTS } from '../../config';
import { spawnBridgeProcess, waitHealthy, type BridgeProcess } from '../../scripts/cluster/bridgeProcesses';
import { freePort } from '../../scripts/dev-server';
import { createLogger } from '../../observability/logger';
import {
  SCENARIOS,
  startDeliveryEngineSandbox,
  startAbbiamoSandbox,
  startVtexSandbox,
  type EngineSandbox,
  type AbbiamoSandbox,
  type VtexSandbox,
} from '../../sandboxes';
import type { DeliveryView } from '../../contracts/delivery';
import { createServiceBody } from '../support/deliveries';
import { testTemporalClient } from '../support/temporal';
import { deliveryStateQuery } from '../../workflows/messages';
import { waitFor } from '../support/waitFor';
import { withoutMarker } from '../../activities/vtex';

const DELIVERIES = 200;
const AT_ONCE = 40;
/** The kill comes once this many deliveries have their job: the rest are still to be created. */
const KILL_AFTER_JOBS = 70;
const INTAKE_TOKEN = 'failover-intake-token';
const VTEX_API_KEY = 'failover-vtex-key';
const ENGINE_API_KEY = 'failover-engine-key';
const ENGINE_WEBHOOK_SECRET = 'failover-instaleap-webhook-secret';

let vtex: VtexSandbox;
let engine: EngineSandbox;
let abbiamo: AbbiamoSandbox;
let workers: BridgeProcess[] = [];
let api: BridgeProcess;
let client: Client;

beforeAll(async () => {
  const quiet = createLogger({ level: 'silent' });
  const port = await freePort();
  const intake = { url: `http://127.0.0.1:${port}`, token: INTAKE_TOKEN };
  vtex = await startVtexSandbox({ apiKey: VTEX_API_KEY, intake, logger: quiet });
  engine = await startDeliveryEngineSandbox({
    apiKey: ENGINE_API_KEY,
    webhookSecret: ENGINE_WEBHOOK_SECRET,
    webhook: { urls: [`${intake.url}/delivery-engine/webhooks`] },
    logger: quiet,
  });
  abbiamo = await startAbbiamoSandbox({ intake, logger: quiet });
  const logDir = mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? os.tmpdir(), 'failover-'));
  const env = {
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: `deliveries-failover-${randomUUID()}`,
    WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!,
    PORT: String(port),
    INTAKE_TOKEN,
    VTEX_API_KEY,
    VTEX_CARRIER_ID: 'failover-carrier',
    VTEX_TRACKING_URL: vtex.url,
    VTEX_AUTH_URL: vtex.url,
    DELIVERY_ENGINE_URL: engine.url,
    DELIVERY_ENGINE_API_KEY: ENGINE_API_KEY,
    DELIVERY_ENGINE_WEBHOOK_SECRET: ENGINE_WEBHOOK_SECRET,
    DELIVERY_ENGINE_STORE_REFERENCE: 'failover-store',
    MARKETPLACE_URL: abbiamo.url,
    // An explicit partner URL needs its key; the sandbox's default one.
    MARKETPLACE_CARRIER_KEY: SANDBOX_DEFAULTS.abbiamoCarrierKey,
    LOG_LEVEL: 'warn',
  };
  workers = [];
  for (const n of [1, 2]) {
    workers.push(
      spawnBridgeProcess(
        'worker',
        `worker ${n}`,
        { ...env, WORKER_HEALTH_PORT: String(await freePort()) },
        path.join(logDir, `worker-${n}.log`),
      ),
    );
  }
  api = spawnBridgeProcess('api', 'intake API', env, path.join(logDir, 'api.log'));
  await Promise.all([...workers, api].map((p) => waitHealthy(p)));
  // With the codec: every payload the bridge writes is encrypted.
  client = await testTemporalClient();
}, 120_000);

afterAll(async () => {
  await Promise.all([api, ...workers].filter(Boolean).map((p) => p.stop()));
  await client?.connection.close();
  await Promise.all([vtex?.close(), engine?.close(), abbiamo?.close()]);
});

interface Life {
  orderId: string;
  serviceId: string;
  jobId: string;
}

/** One delivery's whole life: VTEX's Create service, then every event of the engine's happy scenario. */
async function live(body: Record<string, any>, onJob: () => void): Promise<Life> {
  let created = await vtex.createService(body);
  // A 503 asks VTEX to send the same request again (the delivery could not be registered within
  // its 5 s, e.g. while its first task sat on the killed worker); VTEX does, and so do we.
  for (let retry = 1; created.status === 503 && retry <= 5; retry += 1) created = await vtex.createService(body);
  if (created.status !== 200)
    throw new Error(`Create service answered ${created.status}: ${JSON.stringify(created.body)}`);
  const serviceId = (created.body as { serviceId: string }).serviceId;
  // A job whose creation was running on the killed worker is created again after its activity times
  // out; Instaleap may then hold two jobs of the delivery (the first, whose answer was lost, is a
  // stray the delivery cancels). The driver works the one the delivery holds.
  const jobId = await waitFor(
    async () => (await client.workflow.getHandle(serviceId).query(deliveryStateQuery)).job?.jobId,
    { what: `the job of ${body.orderId}`, timeoutMs: 90_000, intervalMs: 250 },
  );
  onJob();
  for (const type of SCENARIOS.happy) {
    engine.emit(jobId, type);
    await engine.idle();
  }
  return { orderId: body.orderId, serviceId, jobId };
}

/** Who completed each workflow task of a delivery, in history order, as worker pids. */
async function taskCompleters(serviceId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(serviceId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowTaskCompletedEventAttributes?.identity)
    .filter((identity): identity is string => Boolean(identity))
    .map((identity) => Number(identity.split('@')[0]));
}

it(`finishes all of ${DELIVERIES} delivery lives, each exactly once, when one of two workers is SIGKILLed in the middle`, async () => {
  const [victim, survivor] = workers as [BridgeProcess, BridgeProcess];
  const bodies = Array.from({ length: DELIVERIES }, () => createServiceBody({ carrierId: 'failover-carrier' }));
  let jobs = 0;
  let killedAt: number | undefined;
  const onJob = () => {
    jobs += 1;
    if (jobs === KILL_AFTER_JOBS) {
      killedAt = Date.now();
      victim.process.kill('SIGKILL');
    }
  };
  const lives: Life[] = [];
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < bodies.length) lives.push(await live(bodies[next++]!, onJob));
    }),
  );
  expect(killedAt).toBeDefined();
  await waitFor(() => victim.process.signalCode === 'SIGKILL', { what: 'the killed worker to be gone' });

  const driven = Date.now();
  // Every delivery ends DELIVERED.
  const views = await Promise.all(
    lives.map((l) => client.workflow.getHandle(l.serviceId).result() as Promise<DeliveryView>),
  );
  const ended = Date.now();
  expect(views.map((v) => v.status)).toEqual(lives.map(() => 'DELIVERED'));

  // Nothing doubled at the engine: one live job per delivery (its serviceId is the job's reference);
  // a second one, made by a create whose answer died with the worker, was canceled as a stray.
  const orders = new Set(lives.map((l) => l.serviceId));
  const jobsPerOrder = new Map<string, number>();
  for (const job of engine.jobs())
    if (orders.has(job.client_reference) && job.state !== 'CANCELLED')
      jobsPerOrder.set(job.client_reference, (jobsPerOrder.get(job.client_reference) ?? 0) + 1);
  expect(jobsPerOrder.size).toBe(DELIVERIES);
  expect([...jobsPerOrder.values()].filter((n) => n !== 1)).toEqual([]);

  // Nothing lost or doubled at VTEX: each record holds exactly the labels, evidences and notes its events carried.
  const mismatches: string[] = [];
  for (const life of lives) {
    const record = vtex.service('failover-carrier', life.serviceId);
    const events = engine.events(life.jobId);
    const sorted = (values: Array<string | null | undefined>) => values.map(String).sort();
    const expected = {
      status: 'DELIVERED',
      labels: sorted([]),
      // Proof of delivery: the delivered job's evidences.
      evidences: sorted(
        events
          .filter((e) => e.type === 'CLIENT_RECEIVED')
          .flatMap((e) => (e.job.evidences ?? []).map((x) => x.content)),
      ),
      notes: sorted([]),
    };
    const actual = record && {
      status: record.status,
      // The packages' own labels (`{serviceId}-{n}-pdf|zpl`, docs/labels.md) come with the Create answer.
      labels: sorted(record.labels.map((l) => l.id).filter((id) => !id.startsWith(`${life.serviceId}-`))),
      evidences: sorted(record.evidences.map((e) => e.content)),
      notes: sorted(record.notes.map((n) => withoutMarker(n.content))),
    };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      // What VTEX was sent, in arrival order, to see which report went missing or came late.
      const calls = vtex
        .calls({ path: life.serviceId })
        .map(
          (c) => `${c.method} ${(c.body as { status?: string } | null)?.status ?? c.path.split('/')[3]} ${c.status}`,
        );
      mismatches.push(
        `${life.serviceId}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}; calls: ${calls.join(', ')}`,
      );
    }
  }
  expect(mismatches).toEqual([]);

  // The survivor took over: every delivery still open at the kill that had tasks on the victim
  // was finished by the survivor.
  const histories = await Promise.all(
    lives.map(async (l) => ({
      pids: await taskCompleters(l.serviceId),
      closedAt: (await client.workflow.getHandle(l.serviceId).describe()).closeTime!.getTime(),
    })),
  );
  expect(histories.every((h) => h.pids.every((pid) => pid === victim.pid || pid === survivor.pid))).toBe(true);
  const interrupted = histories.filter((h) => h.closedAt > killedAt! && h.pids.includes(victim.pid));
  expect(interrupted.length).toBeGreaterThan(0);
  expect(interrupted.filter((h) => h.pids[h.pids.length - 1] !== survivor.pid)).toEqual([]);
  expect(histories.filter((h) => h.closedAt > killedAt! && h.pids[h.pids.length - 1] !== survivor.pid)).toEqual([]);
  process.stderr.write(
    `[failover] killed worker ${victim.pid} ${((killedAt! - started) / 1000).toFixed(1)} s in, after ${KILL_AFTER_JOBS} jobs; events all sent at ${((driven - started) / 1000).toFixed(1)} s, ` +
      `every delivery ended at ${((ended - started) / 1000).toFixed(1)} s; ${interrupted.length} open deliveries had tasks on the killed worker, all finished by worker ${survivor.pid}\n`,
  );
}, 300_000);
