/**
 * The chaos run (CHAOS.md): full delivery lives through the intake (VTEX Create service, Abbiamo
 * DELIVERY_REQUEST) and the engine sandbox's events, with cancels and pauses in flight, while the
 * worker, the API and the Temporal server are SIGKILLed and VTEX and the engine misbehave. The
 * sandboxes live in this process and survive every kill: they are the truth the checker reads.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleDeliveryWorkflows } from '../../worker/bundle';
import { SANDBOX_DEFAULTS } from '../../config';
import vtexExample from '../../contracts/examples/vtex.create-service.json';
import abbiamoExample from '../../contracts/examples/abbiamo.delivery-request.json';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';
import { readDeliveryView } from '../../api/readDelivery';
import type { DeliveryView } from '../../contracts/delivery';
import { driverOf, evidencesOf } from '../../contracts/instaleapChoices';
import {
  createDeliveryEngineApp,
  createAbbiamoApp,
  createVtexApp,
  listen,
  type DeliveryAttempt,
} from '../../sandboxes';
import type { SandboxJob } from '../../sandboxes/deliveryEngine/jobs';
import { freePort } from '../dev-server';
import { formatKeyRing } from '../../security/codec';
import { createDataConverter } from '../../security/dataConverter';
import { compileRepository, nodeProcess, temporalServer } from './processes';
import { EngineObserver, FaultCounter, pendingWorkflowTaskOf, VtexObserver } from './observe';
import { DEFAULT_MIX, DEFAULT_STALLS, planLives, rng, type LifePlan, type Stalls } from './lives';
import {
  checkDeliveries,
  KILL_LOOKBACK_MS,
  STATUS_OF_EVENT,
  type CollectedDelivery,
  type OperatorCommandRecord,
  type PlatformCommandRecord,
  type PlayedEvent,
  type Verdict,
  type LifeKind,
} from './checker';

export interface ChaosOptions {
  deliveries: number;
  seed: number;
  /** deliveries started per second */
  rate: number;
  /** wait between two steps of a life, ms: [min, max] */
  stepMs: [number, number];
  workerKillEveryMs: number;
  /** the API is killed at a random moment within each such span */
  apiKillEveryMs: number;
  /** the Temporal server is killed once, at this share of the time it takes to start every delivery */
  temporalKillAt: number;
  tokenExpiryEveryMs: number;
  /** shares of calls answered 5xx, never answered, carried out with the answer lost (VTEX and engine) */
  faults: { error: number; timeout: number; lostAnswer: number };
  duplicateRate: number;
  reorderRate: number;
  slotLapseRate: number;
  /** the workflows continue as new past this many history events (CONTINUE_AS_NEW_AFTER_EVENTS) */
  continueAsNewAfterEvents: number;
  mix: Partial<Record<LifeKind, number>>;
  stalls: Stalls;
  /** how long a life waits for its engine job before it counts as unplayable */
  jobWaitMs: number;
  /** how long the run waits, after the last step, for every delivery to end (the partners' faults still on) */
  settleTimeoutMs: number;
  /**
   * Then, if some are still open, how long it waits once the partners' faults stop: a delivery still
   * retrying through the faults ends within a backoff or two, one that stands still does not.
   */
  recoverTimeoutMs: number;
  /** run the worker and the API as compiled JavaScript (a tsc build first): faster restarts */
  compiled: boolean;
  /** WORKER_MAX_CONCURRENT_WORKFLOW_TASKS of the worker (unset: the configuration's default) */
  workflowTaskSlots?: number;
  /** a prebuilt workflow bundle (else built here) */
  workflowBundlePath?: string;
  workDir?: string;
  log: (line: string) => void;
}

export const DEFAULT_CHAOS: Omit<ChaosOptions, 'log'> = {
  deliveries: 1000,
  seed: 18,
  rate: 1.5,
  stepMs: [300, 1500],
  workerKillEveryMs: 20_000,
  apiKillEveryMs: 60_000,
  temporalKillAt: 0.4,
  tokenExpiryEveryMs: 20_000,
  faults: { error: 0.2, timeout: 0.05, lostAnswer: 0.1 },
  duplicateRate: 0.2,
  reorderRate: 0.2,
  slotLapseRate: 0.1,
  continueAsNewAfterEvents: 150,
  mix: DEFAULT_MIX,
  stalls: DEFAULT_STALLS,
  jobWaitMs: 10 * 60_000,
  compiled: true,
  settleTimeoutMs: 10 * 60_000,
  // A report's retry waits a minute at most (REPORT_RETRY), an attempt 30 s (2 min for labels).
  recoverTimeoutMs: 5 * 60_000,
};

/**
 * The 30-delivery run inside `npm test` (test/chaos/delivery.chaos.test.ts), also `npm run chaos --
 * --profile suite`: every kind of life, the same kinds of fault at rates a small run settles from
 * in a few minutes on two shared cores.
 */
export const SUITE_CHAOS: Omit<ChaosOptions, 'log'> = {
  ...DEFAULT_CHAOS,
  deliveries: 30,
  rate: 3,
  stepMs: [150, 400],
  // A worker comes back in 4-20 s on two shared cores: killed 6 s after each return, the lives
  // (about a minute) see it killed three times or more.
  workerKillEveryMs: 6000,
  apiKillEveryMs: 30_000,
  temporalKillAt: 0.5,
  tokenExpiryEveryMs: 8000,
  faults: { error: 0.1, timeout: 0.02, lostAnswer: 0.05 },
  stalls: { refuseReportsMs: 10_000, refuseCreateMs: 10_000, notFoundMs: 10_000 },
  // Creation backs off durably (1 s doubling) through faults and lapsed slots: a job may take a minute.
  jobWaitMs: 90_000,
  // tsx: no tsc build first (the build costs more than the faster restarts save in 3 minutes).
  compiled: false,
  // Every kind of life: DEFAULT_MIX, as the full run.
  settleTimeoutMs: 150_000,
  // A report retrying through the faults waits a minute at most between attempts.
  recoverTimeoutMs: 120_000,
};

export interface ChaosResult {
  verdict: Verdict;
  deliveries: CollectedDelivery[];
  faults: Record<string, number>;
  kills: {
    worker: number;
    api: number;
    temporal: number;
    temporalOutageMs: number[];
    restartMs: Record<string, number[]>;
  };
  tokenExpiries: number;
  slotLapses: number;
  duplicatedEvents: number;
  reorderedEvents: number;
  webhookAttempts: number;
  wallMs: number;
  driveMs: number;
  settleMs: number;
  /** every delivery that should end had ended, with the faults on or once they stopped */
  settled: boolean;
  /** the deliveries still open when the faults stopped (each then ended, or is `unfinished`) */
  openWhenFaultsStopped: string[];
  options: Omit<ChaosOptions, 'log'>;
  workDir: string;
}

/** Abbiamo's ending endpoints and the delivery statuses they stand for. */
const ABBIAMO_ENDING: Record<string, string> = { successful: 'DELIVERED', returned: 'RETURNED', canceled: 'CANCELED' };

// Production rules apply (NODE_ENV=production): each caller role its own tokens of 32 characters or
// more, a key ring of its own.
const VTEX_TOKEN = 'chaos-vtex-token-0123456789abcdef0123';
const ABBIAMO_TOKEN = 'chaos-abbiamo-token-0123456789abcdef';
const OPERATOR_TOKEN = 'chaos-operator-token-0123456789abcdef';
const CODEC_KEYS = formatKeyRing([
  { id: 'chaos-1', key: createHash('sha256').update('delivery-bridge chaos key').digest() },
]);
const VTEX_API_KEY = 'chaos-vtex-api-key';
const ENGINE_API_KEY = 'chaos-engine-api-key';
const ENGINE_WEBHOOK_SECRET = 'chaos-instaleap-webhook-secret';
const CARRIER_ID = 'chaos-carrier';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The FaultInjector checks timeout, then error, then lost answer: rates that give the asked shares. */
function injectorRates(f: ChaosOptions['faults']) {
  const error = f.error / (1 - f.timeout);
  return {
    timeoutRate: f.timeout,
    errorRate: error,
    lostAnswerRate: f.lostAnswer / ((1 - f.timeout) * (1 - error)),
    errorStatuses: [500, 502, 503],
  };
}

/** A chaos run: plan the lives, start the parties, inject the faults while the lives play, collect what each party holds, judge it. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = options.log;
  const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-chaos-'));
  mkdirSync(workDir, { recursive: true });
  const random = rng(options.seed * 7919);
  const runId = randomUUID().slice(0, 6);

  // Plan.
  const plans = planLives(options.deliveries, options.seed, runId, options.mix, options.stalls);
  const driveEstimateMs = (plans.length / options.rate) * 1000;
  const parties = await stage(options, workDir, runId);
  const { worker, api, temporal } = parties;
  log(`chaos: ${options.deliveries} deliveries, seed ${options.seed}, run ${runId}, work dir ${workDir}`);
  log(
    `chaos: Temporal ${temporal.address}, API ${parties.urls.api}, VTEX ${parties.urls.vtex}, engine ${parties.urls.engine}, Abbiamo ${parties.urls.abbiamo}`,
  );

  // Inject, while the lives play.
  const injection = injectFaults(parties, options, random, driveEstimateMs);
  const book: Book = { collected: new Map(), played: new Map() };
  const progress = setInterval(() => {
    const done = [...book.collected.values()].filter((d) => d.played || d.playNote).length;
    log(
      `chaos: ${Math.round((Date.now() - started) / 1000)} s, ${book.played.size}/${plans.length} started, ${done} played, kills worker ${worker.kills} api ${api.kills} temporal ${temporal.kills}`,
    );
  }, 30_000);
  let finished = false;
  const driveStarted = Date.now();
  await playLives(parties, plans, book, options, random, () => finished);
  const driveMs = Date.now() - driveStarted;
  log(
    `chaos: every life played in ${Math.round(driveMs / 1000)} s; stopping the kills, waiting for every delivery to end`,
  );

  await injection.stop();
  const { settled, settleMs, openWhenFaultsStopped } = await settle(parties, book, options);
  clearInterval(progress);

  // Collect, then judge.
  const deliveries = await collect(parties, book);
  const { verdict, duplicatedEvents, reorderedEvents, slotLapses } = judge(deliveries, parties);

  finished = true;
  await parties.api.stop();
  await parties.worker.stop();
  await parties.connection.close().catch(() => undefined);
  await parties.temporal.stop();
  parties.engine.stop();
  await Promise.all(parties.servers.map((s) => s.close()));

  const { log: _log, ...shown } = options;
  return {
    verdict,
    deliveries,
    faults: parties.faults.counts,
    kills: {
      worker: worker.kills,
      api: api.kills,
      temporal: temporal.kills,
      temporalOutageMs: injection.temporalOutageMs,
      restartMs: injection.restartMs,
    },
    tokenExpiries: injection.tokenExpiries(),
    slotLapses,
    duplicatedEvents,
    reorderedEvents,
    webhookAttempts: parties.webhookAttempts(),
    wallMs: Date.now() - started,
    driveMs,
    settleMs,
    settled,
    openWhenFaultsStopped,
    options: shown,
    workDir,
  };
}

/** The parties of a run: the sandboxes in this process behind the run's observers (the truth), Temporal, the worker and the API. */
interface Stage {
  vtex: ReturnType<typeof createVtexApp>['sandbox'];
  engine: ReturnType<typeof createDeliveryEngineApp>['sandbox'];
  abbiamo: ReturnType<typeof createAbbiamoApp>['sandbox'];
  vtexObserver: VtexObserver;
  engineObserver: EngineObserver;
  faults: FaultCounter;
  /** each engine event's webhook attempts: first, first delivered, how many delivered, delivery order */
  attempts: Map<string, { first: number; delivered?: number; deliveredCount: number; order: number }>;
  webhookAttempts(): number;
  servers: Array<Awaited<ReturnType<typeof listen>>>;
  temporal: ReturnType<typeof temporalServer>;
  worker: ReturnType<typeof nodeProcess>;
  api: ReturnType<typeof nodeProcess>;
  connection: Connection;
  client: Client;
  taskQueue: string;
  urls: { api: string; vtex: string; engine: string; abbiamo: string };
}

/** Starts the parties: the sandboxes and their observers, then Temporal, the worker and the API. */
async function stage(options: ChaosOptions, workDir: string, runId: string): Promise<Stage> {
  const faults = new FaultCounter();
  const attempts = new Map<string, { first: number; delivered?: number; deliveredCount: number; order: number }>();
  let attemptOrder = 0;
  let webhookAttempts = 0;
  const onAttempt = (a: DeliveryAttempt) => {
    webhookAttempts += 1;
    const at = Date.parse(a.at);
    const known = attempts.get(a.eventId) ?? { first: at, deliveredCount: 0, order: 0 };
    if (a.outcome === 'delivered') {
      known.deliveredCount += 1;
      if (known.delivered === undefined) {
        known.delivered = at + a.durationMs;
        known.order = ++attemptOrder;
      }
    }
    attempts.set(a.eventId, known);
  };
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const intake = { url: apiUrl, token: VTEX_TOKEN, timeoutMs: 10_000 };
  const rates = injectorRates(options.faults);
  const vtexApp = createVtexApp({
    apiKey: VTEX_API_KEY,
    intake,
    carrierId: CARRIER_ID,
    unknownServices: 'reject',
    faults: rates,
  });
  const engineApp = createDeliveryEngineApp({
    apiKey: ENGINE_API_KEY,
    webhookSecret: ENGINE_WEBHOOK_SECRET,
    faults: rates,
    slotLapseRate: options.slotLapseRate,
    webhook: {
      urls: [`${apiUrl}/delivery-engine/webhooks`],
      initialDelayMs: 200,
      maxDelayMs: 2000,
      duplicateRate: options.duplicateRate,
      reorder: options.reorderRate > 0,
      reorderRate: options.reorderRate,
      reorderWindowMs: 1500,
      onAttempt,
    },
  });
  const abbiamoApp = createAbbiamoApp({ intake: { ...intake, token: ABBIAMO_TOKEN } });
  const vtex = vtexApp.sandbox;
  const engine = engineApp.sandbox;
  const abbiamo = abbiamoApp.sandbox;
  const vtexObserver = new VtexObserver(faults);
  const engineObserver = new EngineObserver(faults, (reference) => engine.jobsByClientReference(reference).at(-1)?.id);
  const servers = await Promise.all([
    listen(vtexObserver.wrap(vtexApp.app)),
    listen(engineObserver.wrap(engineApp.app)),
    listen(abbiamoApp.app),
  ]);
  const [vtexServer, engineServer, abbiamoServer] = servers;

  // ---- Temporal, the worker and the API ----
  const temporal = temporalServer(await freePort(), path.join(workDir, 'temporal.sqlite'), () => undefined);
  const bundlePath = options.workflowBundlePath ?? path.join(workDir, 'workflow-bundle.js');
  const [, bundle] = await Promise.all([
    temporal.start(),
    options.workflowBundlePath ? Promise.resolve(undefined) : bundleDeliveryWorkflows(),
  ]);
  if (bundle) writeFileSync(bundlePath, bundle);
  const taskQueue = `chaos-${runId}`;
  const workerHealthPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PORT: String(apiPort),
    VTEX_TOKENS: VTEX_TOKEN,
    MARKETPLACE_TOKENS: ABBIAMO_TOKEN,
    OPERATOR_TOKENS: OPERATOR_TOKEN,
    VTEX_CARRIER_ID: CARRIER_ID,
    VTEX_API_KEY,
    VTEX_TRACKING_URL: vtexServer.url,
    VTEX_AUTH_URL: vtexServer.url,
    DELIVERY_ENGINE_URL: engineServer.url,
    DELIVERY_ENGINE_API_KEY: ENGINE_API_KEY,
    DELIVERY_ENGINE_WEBHOOK_SECRET: ENGINE_WEBHOOK_SECRET,
    DELIVERY_ENGINE_STORE_REFERENCE: 'chaos-store',
    MARKETPLACE_URL: abbiamoServer.url,
    // An explicit partner URL needs its key; the sandbox's default one.
    MARKETPLACE_CARRIER_KEY: SANDBOX_DEFAULTS.abbiamoCarrierKey,
    WEBHOOK_SECRET: 'chaos-webhook-secret-0123456789',
    SECRETS_KEY: 'chaos-secrets-key-0123456789abcdef0123',
    LABEL_SIGNING_KEY: 'chaos-label-signing-key-0123456789abcdef',
    CODEC_KEYS,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONTINUE_AS_NEW_AFTER_EVENTS: String(options.continueAsNewAfterEvents),
    WORKFLOW_BUNDLE_PATH: bundlePath,
    ...(options.workflowTaskSlots ? { WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: String(options.workflowTaskSlots) } : {}),
  };
  // Inside the repository (dist/ is ignored), so the compiled code finds node_modules.
  const compiled = options.compiled
    ? compileRepository(path.resolve(__dirname, '..', '..', 'dist', `chaos-${runId}`))
    : undefined;
  const worker = nodeProcess(
    'worker',
    'worker/main.ts',
    { ...env, WORKER_HEALTH_PORT: String(workerHealthPort) },
    path.join(workDir, 'worker.log'),
    `http://127.0.0.1:${workerHealthPort}/healthz`,
    compiled,
  );
  const api = nodeProcess('api', 'api/main.ts', env, path.join(workDir, 'api.log'), `${apiUrl}/readyz`, compiled);
  await Promise.all([worker.start(), api.start()]);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, dataConverter: createDataConverter(CODEC_KEYS) });

  return {
    vtex,
    engine,
    abbiamo,
    vtexObserver,
    engineObserver,
    faults,
    attempts,
    webhookAttempts: () => webhookAttempts,
    servers,
    temporal,
    worker,
    api,
    connection,
    client,
    taskQueue,
    urls: { api: apiUrl, vtex: vtexServer.url, engine: engineServer.url, abbiamo: abbiamoServer.url },
  };
}

/** What the injection did, for the report. */
interface Injection {
  temporalOutageMs: number[];
  restartMs: Record<string, number[]>;
  tokenExpiries(): number;
  /** Stops the kills and token expiries (the partners' faults stay on) once every kill in progress is back. */
  stop(): Promise<void>;
}

/**
 * The kills and expiries of a run: the worker every `workerKillEveryMs` (once it is back), the API at
 * random, Temporal once at `temporalKillAt` of the time the lives take to start, VTEX's token.
 */
function injectFaults(
  { vtex, worker, api, temporal }: Stage,
  options: ChaosOptions,
  random: () => number,
  driveEstimateMs: number,
): Injection {
  const log = options.log;
  let chaosOn = true;
  const temporalOutageMs: number[] = [];
  let tokenExpiries = 0;
  const restartMs: Record<string, number[]> = { worker: [], api: [], temporal: [] };
  const chains = new Map<string, Promise<unknown>>();
  /** One kill at a time per process: its next kill waits until it is back. */
  const serially = (name: string, work: () => Promise<number>) => {
    const next = (chains.get(name) ?? Promise.resolve())
      .then(work)
      .then((ms) => restartMs[name]!.push(ms))
      .catch((err: unknown) => log(`chaos: ${name} restart failed: ${String(err)}`));
    chains.set(name, next);
    return next;
  };
  const loops: Promise<void>[] = [];
  const every = (ms: number, jitter: boolean, act: () => Promise<unknown> | void) =>
    loops.push(
      (async () => {
        while (chaosOn) {
          const wait = jitter ? ms * (0.3 + random()) : ms;
          const until = Date.now() + wait;
          while (chaosOn && Date.now() < until) await sleep(Math.min(250, until - Date.now()));
          if (!chaosOn) return;
          await act();
        }
      })(),
    );
  every(options.workerKillEveryMs, false, () => serially('worker', () => worker.killAndRestart()));
  every(options.apiKillEveryMs, true, () => serially('api', () => api.killAndRestart(500)));
  every(options.tokenExpiryEveryMs, false, () => {
    vtex.setExpiredTokenStatus(tokenExpiries % 2 === 0 ? 401 : 403);
    vtex.expireTokens();
    tokenExpiries += 1;
  });
  const temporalKill = (async () => {
    const at = Date.now() + driveEstimateMs * options.temporalKillAt;
    while (chaosOn && Date.now() < at) await sleep(250);
    if (!chaosOn) return;
    await serially('temporal', async () => {
      const outage = await temporal.killAndRestart(2000);
      temporalOutageMs.push(outage);
      log(`chaos: Temporal server SIGKILLed and back after ${outage} ms`);
      return outage;
    });
  })();

  return {
    temporalOutageMs,
    restartMs,
    tokenExpiries: () => tokenExpiries,
    async stop() {
      chaosOn = false;
      await Promise.all([...loops, temporalKill]);
      await Promise.all(chains.values());
    },
  };
}

/** What the lives left to read: each delivery as played, and the plan it played. */
interface Book {
  collected: Map<number, CollectedDelivery>;
  played: Map<number, { plan: LifePlan; serviceId: string; emitted: Map<string, boolean>; accepted: boolean }>;
}

/**
 * Plays every planned life, `options.rate` a second, as its platform and the engine would: the
 * intake request (retried until taken), then each step (an engine event, a cancel, a pause, VTEX
 * refusing reports). Waits stop early once `finished()` says the run is over.
 */
async function playLives(
  { vtex, engine, abbiamo, vtexObserver, engineObserver, attempts, worker, temporal, client, urls }: Stage,
  plans: LifePlan[],
  book: Book,
  options: ChaosOptions,
  random: () => number,
  finished: () => boolean,
): Promise<void> {
  const { collected, played } = book;

  const step = () => options.stepMs[0] + random() * (options.stepMs[1] - options.stepMs[0]);
  const eventsDelivered = (jobId: string) =>
    engine.events(jobId).every((e) => attempts.get(e.id)?.delivered !== undefined);
  /** Polls `probe` (after `refresh`, when given) until it holds; false at the timeout or the run's end. */
  const waitFor = async (probe: () => boolean, timeoutMs: number, refresh?: () => Promise<void>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (refresh) await refresh();
      if (probe()) return true;
      if (Date.now() > deadline || finished()) return false;
      await sleep(refresh ? 500 : 200);
    }
  };

  async function sendCommand(
    serviceId: string,
    command: PlatformCommandRecord['command'],
  ): Promise<PlatformCommandRecord> {
    const record: PlatformCommandRecord = { command, firstSentAt: Date.now(), attempts: 0 };
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline) {
      record.attempts += 1;
      try {
        const answer =
          command === 'cancel'
            ? await vtex.cancelService(serviceId, 'Canceled by the client on VTEX')
            : await vtex.pauseService(
                serviceId,
                command === 'pause',
                command === 'pause' ? 'Checking the address' : 'Address confirmed',
              );
        record.status = answer.status;
        if (answer.status === 200) {
          record.answeredAt = Date.parse(answer.answeredAt);
          return record;
        }
        // 404 / 409 are answers: VTEX would not retry them.
        if (answer.status === 404 || answer.status === 409) return record;
      } catch {
        // the API was down: VTEX retries
      }
      await sleep(1000);
    }
    return record;
  }

  /** An operator's command through the API (POST /operator/deliveries/{id}/commands), retried while the API is down. */
  async function sendOperator(
    serviceId: string,
    body: { action: OperatorCommandRecord['action']; status?: string; why: string },
  ): Promise<OperatorCommandRecord> {
    const record: OperatorCommandRecord = { ...body, firstSentAt: Date.now(), attempts: 0 };
    const deadline = Date.now() + 5 * 60_000;
    while (Date.now() < deadline && !finished()) {
      record.attempts += 1;
      try {
        const answer = await fetch(`${urls.api}/operator/deliveries/${encodeURIComponent(serviceId)}/commands`, {
          method: 'POST',
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (answer.status === 202) {
          record.answeredAt = Date.now();
          return record;
        }
        if (answer.status >= 400 && answer.status < 500) return record;
      } catch {
        // the API was down: the operator tries again
      }
      await sleep(1000);
    }
    return record;
  }

  /**
   * The delivery as operators search it (its search attributes, from Temporal's visibility, not a
   * query: the lives never query a running workflow), undefined while Temporal cannot answer.
   */
  async function searchedAs(
    serviceId: string,
  ): Promise<{ status?: string; needsAttention?: boolean; jobId?: string } | undefined> {
    try {
      const description = await client.workflow.getHandle(serviceId).describe();
      const attributes = description.searchAttributes as Record<string, unknown[] | undefined>;
      return {
        status: attributes.DeliveryStatus?.[0] as string | undefined,
        needsAttention: attributes.NeedsAttention?.[0] as boolean | undefined,
        jobId: attributes.JobId?.[0] as string | undefined,
      };
    } catch {
      return undefined;
    }
  }

  /** The running delivery's state query, or undefined while it cannot be answered (a worker down). */
  async function viewOf(serviceId: string): Promise<DeliveryView | undefined> {
    return readDeliveryView(client.workflow.getHandle(serviceId), true).catch(() => undefined);
  }

  /** Waits (up to a minute) for the worker's next SIGKILL; true when it came and the worker is not back yet. */
  async function awaitKill(): Promise<boolean> {
    const before = worker.killedAt.length;
    return waitFor(() => worker.killedAt.length > before, 60_000);
  }

  async function live(plan: LifePlan): Promise<void> {
    const carrierId = plan.carrierId ?? CARRIER_ID;
    const serviceId =
      plan.platform === 'vtex' ? vtexServiceId(carrierId, plan.reference) : abbiamoServiceId(plan.reference);
    const entry = { plan, serviceId, emitted: new Map<string, boolean>(), accepted: false };
    played.set(plan.index, entry);
    const d: CollectedDelivery = {
      index: plan.index,
      kind: plan.kind,
      platform: plan.platform,
      serviceId,
      accepted: false,
      intakeAttempts: 0,
      jobsOfDelivery: [],
      played: false,
      events: [],
      commands: [],
      operator: [],
      ...(plan.finalRefusal ? { finalRefusal: { resolution: plan.finalRefusal, refusedCalls: 0 } } : {}),
      ...(plan.terminal === 'event'
        ? {}
        : plan.terminal === 'platform-cancel'
          ? { terminal: { kind: 'platform-cancel' as const } }
          : {}),
    };
    collected.set(plan.index, d);
    if (plan.twinOf !== undefined) await waitFor(() => played.get(plan.twinOf!)?.accepted === true, 120_000);
    if (plan.refuseCreateMs) engineObserver.refuseCreate(serviceId, plan.refuseCreateMs);
    if (plan.delayCreateMs) engineObserver.delayCreate(serviceId, plan.delayCreateMs, 2);

    // Intake: retried as the platform would, until it takes the request.
    const intakeDeadline = Date.now() + 5 * 60_000;
    while (!d.accepted && Date.now() < intakeDeadline) {
      d.intakeAttempts += 1;
      try {
        const answer =
          plan.platform === 'vtex'
            ? await vtex.createService({ ...structuredClone(vtexExample), orderId: plan.reference, carrierId })
            : await abbiamo.sendDeliveryRequest(abbiamoEvent(plan));
        d.accepted = answer.status === (plan.platform === 'vtex' ? 200 : 202);
        // A refusal is definite: the platform would not send it again (a 429 asks it to).
        if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
          d.playNote = `the intake refused it: ${answer.status}`;
          break;
        }
      } catch {
        // unreachable: retried
      }
      if (!d.accepted) await sleep(1000);
    }
    entry.accepted = d.accepted;
    if (!d.accepted) return;

    const watchCancel = (command: PlatformCommandRecord) => {
      if (command.answeredAt === undefined) return;
      const answeredAt = command.answeredAt;
      // Every job of the delivery: its own, and any a lost create answer left (canceled as strays).
      const cancelled = () => {
        const jobs = engineObserver.jobsOf.get(serviceId) ?? [];
        return jobs.length > 0 && jobs.every((jobId) => engine.job(jobId)?.state === 'CANCELLED');
      };
      void waitFor(cancelled, 10 * 60_000).then((ok) => {
        if (!ok) return;
        const reachedAt = Date.now();
        d.cancelReachedEngineMs = Math.max(0, reachedAt - answeredAt);
        d.killsDuringCancel = [...worker.killedAt, ...temporal.killedAt].filter(
          (at) => at >= answeredAt - KILL_LOOKBACK_MS && at <= reachedAt,
        ).length;
      });
    };
    if (plan.cancelRightAway) {
      const command = await sendCommand(serviceId, 'cancel');
      d.commands.push(command);
      // Whatever job shows up must end up cancelled.
      watchCancel(command);
      await waitFor(() => engineObserver.jobOf(serviceId) !== undefined, 30_000);
      d.played = true;
      return;
    }
    const jobWait = options.jobWaitMs + (plan.refuseCreateMs ?? 0);
    if (!(await waitFor(() => engineObserver.jobOf(serviceId) !== undefined, jobWait))) {
      d.playNote = `no engine job of its own within ${jobWait / 1000} s`;
      return;
    }
    // A lost create answer leaves a second job, the first canceled as a stray when its CREATED comes:
    // the driver is the one of the job the delivery holds (its JobId search attribute).
    let searched: Awaited<ReturnType<typeof searchedAs>>;
    await waitFor(
      () => searched?.jobId !== undefined,
      jobWait,
      async () => {
        searched = (await searchedAs(serviceId)) ?? searched;
      },
    );
    const jobId = searched?.jobId ?? engineObserver.answeredJobOf(serviceId) ?? engineObserver.jobOf(serviceId)!;
    d.jobId = jobId;
    let pauseSentAt: number | undefined;
    let afterKill = false;
    const platformCommand = async (command: PlatformCommandRecord['command']) => {
      if (afterKill && !worker.up) d.commandsWhileWorkerDown = (d.commandsWhileWorkerDown ?? 0) + 1;
      afterKill = false;
      const record = await sendCommand(serviceId, command);
      d.commands.push(record);
      return record;
    };
    for (const [i, s] of plan.steps.entries()) {
      // Right after a kill, the next step goes at once (the worker is still down).
      if (!afterKill) await sleep(step());
      const last = i === plan.steps.length - 1;
      switch (s.do) {
        case 'event': {
          if (last && plan.terminal === 'event') {
            // The end goes last: everything before it reached us, and every platform command took effect.
            await waitFor(() => eventsDelivered(jobId), 180_000);
            if (pauseSentAt !== undefined) {
              const sentAt = pauseSentAt;
              await waitFor(
                // Held and released again through payment_info (a hold sends no event at Instaleap).
                () => sentAt > 0 && engine.blockingPolicies(jobId).at(-1) === 'UNBLOCKED',
                90_000,
              );
              await waitFor(() => eventsDelivered(jobId), 180_000);
            }
            if (plan.finalRefusal) await refuseFinalReport();
          }
          const event = engine.emit(jobId, s.type, s.largest ? largestJobOverride(engine.job(jobId)!) : {});
          entry.emitted.set(event.id, s.optional ?? false);
          if (last && plan.terminal === 'event') d.terminal = { kind: 'event', eventId: event.id };
          break;
        }
        case 'cancel': {
          const command = await platformCommand('cancel');
          watchCancel(command);
          break;
        }
        case 'pause':
        case 'resume': {
          const command = await platformCommand(s.do);
          if (s.do === 'pause') pauseSentAt = command.firstSentAt;
          break;
        }
        case 'await-kill':
          afterKill = await awaitKill();
          break;
        case 'force': {
          // An operator acts on what the delivery shows: every event before reached us and VTEX shows
          // where the last one led (two commands taken in one workflow task would share their time).
          await waitFor(() => eventsDelivered(jobId), 180_000);
          const shown = [...engine.events(jobId)].reverse().find((e) => STATUS_OF_EVENT[e.type]);
          if (shown)
            await waitFor(() => vtex.service(CARRIER_ID, serviceId)?.status === STATUS_OF_EVENT[shown.type], 60_000);
          d.operator!.push(await sendOperator(serviceId, { action: 'force-status', status: s.status, why: s.why }));
          if (last && plan.terminal === 'operator') d.terminal = { kind: 'operator', status: s.status };
          break;
        }
        case 'refuse-reports':
          vtexObserver.refuse(serviceId, s.ms, s.status);
          d.reportRefusal = { status: s.status ?? 503, refusedCalls: 0 };
          break;
      }
    }
    if (plan.finalRefusal) await resolveFinalRefusal();
    d.played = true;

    /** The reports so far reached VTEX (it shows ON_ROUTE, nothing sent for 3 s); from now on it refuses this delivery's calls for good (400). */
    async function refuseFinalReport(): Promise<void> {
      const quiet = () => {
        const last = vtexObserver.callsOf(serviceId).at(-1);
        return last === undefined || Date.now() - last.at > 3000;
      };
      await waitFor(() => vtex.service(CARRIER_ID, serviceId)?.status === 'ON_ROUTE' && quiet(), 180_000);
      vtexObserver.refuse(serviceId, 30 * 60_000, 400);
    }

    /**
     * Once the ended delivery shows its final report refused and nothing else still moving (its
     * state query), VTEX takes calls again and the operator acts. A flag alone is not enough: an
     * earlier one (a report slow under the faults) would have the operator act while the final
     * report is still on its way, and the run would then judge a VTEX it raced.
     */
    async function resolveFinalRefusal(): Promise<void> {
      const refusal = d.finalRefusal!;
      let seen: DeliveryView | undefined;
      const flagged = await waitFor(
        () =>
          seen?.status === 'DELIVERED' && seen.needsAttention && seen.refusedReports > 0 && seen.pendingReports === 0,
        180_000,
        async () => {
          seen = (await viewOf(serviceId)) ?? seen;
        },
      );
      if (flagged) refusal.flaggedAt = Date.now();
      else
        refusal.flagNote = seen
          ? `last seen ${seen.status}, needsAttention ${String(seen.needsAttention)}, ${seen.refusedReports} refused, ${seen.pendingReports} pending`
          : 'Temporal never answered its state query';
      refusal.refusedCalls = vtexObserver.lift(serviceId);
      const action = refusal.resolution === 'resend' ? 'resend-refused' : 'clear-flag';
      d.operator!.push(await sendOperator(serviceId, { action, why: `VTEX took calls again [d${plan.index}.fix]` }));
    }
    d.played = true;
  }

  const driveStarted = Date.now();
  const lives: Promise<void>[] = [];
  for (const [i, plan] of plans.entries()) {
    const at = driveStarted + (i / options.rate) * 1000;
    while (Date.now() < at) await sleep(Math.min(250, at - Date.now()));
    lives.push(
      live(plan).catch((err: unknown) => {
        const d = collected.get(plan.index);
        if (d) d.playNote = `the run failed to play it: ${String(err)}`;
      }),
    );
  }
  await Promise.all(lives);
}

/**
 * Waits, with no more kills but the partners' faults on, until every delivery that should end has.
 * Past `settleTimeoutMs` the faults stop and it waits `recoverTimeoutMs` more: a delivery still
 * retrying through the faults then ends (it is named in `openWhenFaultsStopped`, not a finding); one
 * that does not end with healthy partners stands still, and the checker calls it unfinished.
 */
async function settle(
  { client, engine, vtex, taskQueue }: Stage,
  { collected }: Book,
  options: ChaosOptions,
): Promise<{ settled: boolean; settleMs: number; openWhenFaultsStopped: string[] }> {
  const log = options.log;
  const settleStarted = Date.now();
  const expectedOpen = new Set([...collected.values()].filter((d) => !d.played && d.accepted).map((d) => d.serviceId));
  /** The deliveries still open that should have ended, and whether the engine's webhooks are all delivered. */
  const look = async (): Promise<{ open: string[]; webhooksDone: boolean }> => {
    const running: string[] = [];
    for await (const info of client.workflow.list({
      query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
    }))
      running.push(info.workflowId);
    const webhooksDone = await Promise.race([engine.idle().then(() => true), sleep(1000).then(() => false)]);
    const open = running.filter((id) => !expectedOpen.has(id));
    if ((Date.now() - settleStarted) % 30_000 < 2100)
      log(`chaos: settling: ${open.length} deliveries still open, webhooks ${webhooksDone ? 'done' : 'pending'}`);
    return { open, webhooksDone };
  };
  /** Whether it settled within `timeoutMs`, and what was still open at the last look. */
  const waitUntilSettled = async (timeoutMs: number): Promise<{ settled: boolean; open: string[] }> => {
    const until = Date.now() + timeoutMs;
    let open: string[] = [];
    for (;;) {
      try {
        const now = await look();
        open = now.open;
        if (now.webhooksDone && open.length === 0) return { settled: true, open };
      } catch (err) {
        log(`chaos: settle check failed (${String(err)}); retrying`);
      }
      if (Date.now() >= until) return { settled: false, open };
      await sleep(2000);
    }
  };
  const underFaults = await waitUntilSettled(options.settleTimeoutMs);
  const openWhenFaultsStopped = underFaults.settled ? [] : underFaults.open;
  let { settled } = underFaults;
  if (!settled) {
    log(
      `chaos: ${openWhenFaultsStopped.length} deliveries still open with the faults on: the partners' faults stop, waiting for them`,
    );
    vtex.resetFaults();
    engine.resetFaults();
    ({ settled } = await waitUntilSettled(options.recoverTimeoutMs));
  }
  // The engine's own cancels and holds may still be reaching us; a last look after they did.
  await Promise.race([engine.idle(), sleep(30_000)]);
  const settleMs = Date.now() - settleStarted;
  return { settled, settleMs, openWhenFaultsStopped };
}

/** Reads what every party holds for each delivery: the engine's jobs and events, its workflow, VTEX's record or Abbiamo's calls. */
async function collect(
  { vtex, engine, abbiamo, vtexObserver, engineObserver, attempts, client }: Stage,
  { collected, played }: Book,
): Promise<CollectedDelivery[]> {
  const services = new Map(vtex.services().map((s) => [`${s.carrierId}\u0000${s.serviceId}`, s]));
  const jobs = engine.jobs();
  for (const [index, d] of collected) {
    const entry = played.get(index)!;
    const plan = entry.plan;
    d.jobsOfDelivery = engineObserver.jobsOf.get(d.serviceId) ?? [];
    const refused = engineObserver.refusedCreates(d.serviceId);
    if (refused) d.refusedCreates = refused;
    if (d.reportRefusal) d.reportRefusal.refusedCalls = vtexObserver.refusedCalls(d.serviceId);
    try {
      const handle = client.workflow.getHandle(d.serviceId);
      const description = await handle.describe();
      d.workflow = { status: description.status.name };
      const view = (
        description.status.name === 'COMPLETED'
          ? await handle.result()
          : await Promise.race([handle.query('deliveryState'), sleep(3000).then(() => undefined)])
      ) as { run?: number; needsAttention?: boolean; lastError?: string; job?: { jobId: string } } | undefined;
      // An open workflow whose task keeps failing (a nondeterminism error) stands still: the checker names it.
      const pendingTask =
        description.status.name === 'RUNNING'
          ? await pendingWorkflowTaskOf(client, d.serviceId, description).catch(() => undefined)
          : undefined;
      d.workflow = {
        status: description.status.name,
        ...(pendingTask ? { pendingTask } : {}),
        ...(view?.run ? { run: view.run } : {}),
        ...(view?.needsAttention !== undefined ? { needsAttention: view.needsAttention } : {}),
        ...(view?.lastError ? { lastError: view.lastError } : {}),
      };
      if (view?.job?.jobId) {
        d.workflowJobId = view.job.jobId;
        const owner = engineObserver.ownerOf.get(view.job.jobId);
        if (owner) d.workflowJobOwner = owner;
      }
    } catch (err) {
      d.workflow = { ...(d.workflow ?? {}), status: d.workflow?.status ?? `unknown (${String(err).slice(0, 80)})` };
    }
    d.jobStates = Object.fromEntries(
      [...new Set([...d.jobsOfDelivery, ...(d.workflowJobId ? [d.workflowJobId] : [])])].map((id) => [
        id,
        jobs.find((j) => j.id === id)?.state ?? 'unknown',
      ]),
    );
    const jobId = d.jobId ?? d.workflowJobId ?? d.jobsOfDelivery[0];
    if (jobId) {
      d.jobId ??= jobId;
      d.jobStatus = jobs.find((j) => j.id === jobId)?.state;
      d.events = engine.events(jobId).map((e): PlayedEvent => {
        const a = attempts.get(e.id);
        return {
          id: e.id,
          type: e.type,
          createdAt: Date.parse(e.created_at),
          ...(a ? { firstAttemptAt: a.first } : {}),
          ...(a?.delivered !== undefined ? { deliveredAt: a.delivered } : {}),
          reaction: !entry.emitted.has(e.id),
          optional: entry.emitted.get(e.id) ?? false,
          resourceId: driverOf(e.job)?.id ?? null,
          evidences: e.type === 'CLIENT_RECEIVED' ? evidencesOf(e.job).map((x) => x.content) : [],
          bytes: Buffer.byteLength(JSON.stringify(e)),
        };
      });
    }
    if (plan.platform === 'vtex') {
      const carrierId = plan.carrierId ?? CARRIER_ID;
      const record = vtex.service(carrierId, d.serviceId);
      const summary = services.get(`${carrierId}\u0000${d.serviceId}`);
      d.vtex = {
        ...(record
          ? {
              record: {
                status: record.status,
                agentId: record.agent?.id ?? null,
                notes: record.notes.map((n) => ({ content: n.content, date: n.date })),
                evidences: record.evidences.map((e) => ({ content: e.content ?? '', date: e.date })),
                labels: record.labels.map((l) => l.id),
                timeline: record.timeline.map((t) => ({
                  type: t.type,
                  description: t.description ?? '',
                  author: t.author ?? null,
                  date: t.date,
                  ...(typeof (t.metaData as { status?: unknown } | null)?.status === 'string'
                    ? { status: (t.metaData as { status: string }).status }
                    : {}),
                })),
              },
            }
          : {}),
        ...(summary ? { confirmedAt: Date.parse(summary.confirmedAt) } : {}),
        calls: vtexObserver
          .callsOf(d.serviceId)
          .map((c) => ({ at: c.at, method: c.method, hook: c.hook, status: c.status })),
      };
    } else {
      d.abbiamo = {
        // Abbiamo's status calls as the checker reads callbacks: the ending endpoints under the
        // statuses they stand for; only what Abbiamo accepted counts.
        callbacks: abbiamo
          .statusCalls(plan.reference)
          .filter((c) => c.outcome === 'accepted')
          .map((c) => ({
            eventId: `${c.endpoint}@${c.body.event_at}`,
            status: ABBIAMO_ENDING[c.endpoint] ?? c.endpoint.toUpperCase(),
            receivedAt: c.receivedAt,
            duplicate: false,
          })),
      };
    }
  }
  return [...collected.values()].sort((a, b) => a.index - b.index);
}

/** The checker's verdict on what was collected, and the figures of the faults the sandboxes' injector does not count. */
function judge(
  deliveries: CollectedDelivery[],
  { attempts, engineObserver }: Stage,
): { verdict: Verdict; duplicatedEvents: number; reorderedEvents: number; slotLapses: number } {
  const verdict = checkDeliveries(deliveries);

  // Figures of the faults that are not the sandboxes' injector's.
  let duplicatedEvents = 0;
  for (const a of attempts.values()) if (a.deliveredCount > 1) duplicatedEvents += 1;
  let reorderedEvents = 0;
  for (const d of deliveries) {
    const order = d.events.map((e) => attempts.get(e.id)?.order ?? 0);
    for (let i = 1; i < order.length; i++) if (order[i]! > 0 && order[i - 1]! > order[i]!) reorderedEvents += 1;
  }
  let slotLapses = 0;
  for (const list of engineObserver.creates.values()) slotLapses += list.filter((c) => c.status === 417).length;
  return { verdict, duplicatedEvents, reorderedEvents, slotLapses };
}

/**
 * The biggest job the webhook takes (BODY_LIMIT, 1 MiB; the schema bounds neither the tasks nor their
 * texts): the job's own tasks (the same objects, so the event's changes to them show) and filler
 * tasks with long texts, multi-byte characters among them, until the event is near `LARGEST_EVENT_TARGET_BYTES`.
 */
const LARGEST_EVENT_TARGET_BYTES = 1_000_000;
function largestJobOverride(job: SandboxJob): Record<string, unknown> {
  const text = 'Observação do separador: caixa térmica, não empilhar. '.repeat(70);
  const filler = (i: number) => ({
    id: `filler-${i}`,
    type: 'PICKING',
    state: 'DONE',
    resource: null,
    comment: text,
    steps: [{ id: `filler-${i}-step`, state: 'DONE', type: 'PICK', comment: text }],
  });
  // The job as it stands, its event's envelope and what the event adds (a courier, an eta, a proof): a margin.
  let bytes = Buffer.byteLength(JSON.stringify(job)) + 4096;
  const tasks: unknown[] = [...job.tasks];
  for (let i = 0; ; i++) {
    const size = Buffer.byteLength(JSON.stringify(filler(i))) + 1;
    if (bytes + size > LARGEST_EVENT_TARGET_BYTES) break;
    tasks.push(filler(i));
    bytes += size;
  }
  return { job: { tasks } };
}

/** Abbiamo's first DELIVERY_REQUEST example (contracts/examples/abbiamo.delivery-request.json) as one delivery of the plan, with fresh callback headers. */
function abbiamoEvent(plan: LifePlan): unknown {
  const event = structuredClone(abbiamoExample) as typeof abbiamoExample & Record<string, unknown>;
  event.deliveries = event.deliveries.map((delivery) => ({
    ...delivery,
    delivery_id: plan.reference,
    order_number: `${plan.reference}-ORDER`,
  }));
  event.logistic_data = { headers: { Authorization: `Bearer chaos-${plan.reference}` } };
  return event;
}
