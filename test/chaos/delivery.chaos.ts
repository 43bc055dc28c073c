/**
 * The chaos run inside the suite (issue 18): 30 full delivery lives, every kind of life of
 * `npm run chaos` (scripts/chaos/lives.ts), with the worker SIGKILLed every 8 s, the API now and
 * then, the Temporal server once (on its SQLite file), VTEX and the engine answering 5xx, never
 * answering or losing answers, tokens expiring, slots lapsing, engine events duplicated and
 * reordered. The checker (scripts/chaos/checker.ts, the same as `npm run chaos`) compares every
 * delivery at the platform with the engine's truth.
 *
 * Named `.chaos.ts`, not `.test.ts`: jest does not pick it up until the holes of issue 18 are
 * closed (today it finds doubled on-holds, reports that reach VTEX after its own cancel, cancels
 * stuck behind refused reports, shared job references). To enable it:
 * `git mv test/chaos/delivery.chaos.ts test/chaos/delivery.chaos.test.ts`. To run it now:
 * `npx jest --testMatch '**' test/chaos/delivery.chaos.ts --maxWorkers=1`.
 */
import { DEFAULT_CHAOS, runChaos, type ChaosResult } from '../../scripts/chaos/run';

let result: ChaosResult;

beforeAll(async () => {
  result = await runChaos({
    ...DEFAULT_CHAOS,
    deliveries: 30,
    rate: 3,
    stepMs: [150, 400],
    workerKillEveryMs: 8000,
    apiKillEveryMs: 15_000,
    temporalKillAt: 0.5,
    tokenExpiryEveryMs: 8000,
    // The same kinds of fault as the full run, at rates a 30-delivery run settles from quickly.
    faults: { error: 0.1, timeout: 0.02, lostAnswer: 0.05 },
    stalls: { refuseReportsMs: 10_000, refuseCreateMs: 10_000 },
    jobWaitMs: 40_000,
    // tsx: no tsc build first (the build costs more than the faster restarts save in 3 minutes).
    compiled: false,
    settleTimeoutMs: 150_000,
    ...(process.env.TEST_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const v = result.verdict;
  process.stderr.write(
    `chaos: ${v.deliveries} deliveries, ${v.events} events, lost ${v.lostDeliveries}, lost reports ${v.lostReports}, doubled ${v.doubledReports}, findings ${JSON.stringify(v.byClass)}\n`,
  );
}, 290_000);

const findings = (...classes: string[]) =>
  result.verdict.findings.filter((f) => classes.includes(f.class)).map((f) => `${f.kind} ${f.serviceId}: ${f.what}`);

test('the chaos really happened: kills, faults, duplicates, reorders', () => {
  expect(result.kills.worker).toBeGreaterThan(2);
  expect(result.kills.api).toBeGreaterThan(0);
  expect(result.kills.temporal).toBe(1);
  expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(result.duplicatedEvents).toBeGreaterThan(0);
  expect(result.settled).toBe(true);
});

test('no delivery is lost', () => {
  expect(findings('lost-delivery', 'orphan-job', 'shared-job', 'doubled-job')).toEqual([]);
});

test('every note, evidence, label, on-hold, cancel and agent reaches the platform exactly once', () => {
  expect(findings('lost-report', 'doubled-report', 'report-after-end')).toEqual([]);
});

test('no tracking call before the 5 s confirmation; platform cancels reach the engine promptly; creation backs off', () => {
  expect(findings('early-call', 'slow-cancel', 'creation-hot-loop')).toEqual([]);
});
