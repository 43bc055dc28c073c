/**
 * The chaos run inside the suite (CHAOS.md; docs/testing.md "Proving it"): 30 full delivery lives, every kind of life of
 * `npm run chaos` (scripts/chaos/lives.ts), with the worker SIGKILLed every 8 s, the API now and
 * then, the Temporal server once (on its SQLite file), VTEX and the engine answering 5xx, never
 * answering or losing answers, tokens expiring, slots lapsing, engine events duplicated and
 * reordered. The checker (scripts/chaos/checker.ts, the same as `npm run chaos`) compares every
 * delivery at the platform with the engine's truth. The same run outside jest, with its report:
 * `npm run chaos -- --profile suite --out /tmp/chaos-suite.md`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runChaos, SUITE_CHAOS, type ChaosResult } from '../../scripts/chaos/run';

let result: ChaosResult;

beforeAll(async () => {
  result = await runChaos({
    ...SUITE_CHAOS,
    ...(process.env.TEST_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const v = result.verdict;
  // Every delivery and finding, for whoever reads a failure.
  writeFileSync(path.join(result.workDir, 'result.json'), JSON.stringify(result, null, 1));
  process.stderr.write(
    `chaos: ${v.deliveries} deliveries, ${v.events} events, lost ${v.lostDeliveries}, lost reports ${v.lostReports}, doubled ${v.doubledReports}, findings ${JSON.stringify(v.byClass)}; drive ${Math.round(result.driveMs / 1000)} s, settle ${Math.round(result.settleMs / 1000)} s (${result.openWhenFaultsStopped.length} still open when the faults stopped); ${path.join(result.workDir, 'result.json')}\n`,
  );
}, 600_000); // lives about 3 min, the settle 2.5 min with the faults on and, for a delivery still retrying then, 2 min without

const findings = (...classes: string[]) =>
  result.verdict.findings.filter((f) => classes.includes(f.class)).map((f) => `${f.kind} ${f.serviceId}: ${f.what}`);

test('the chaos really happened: kills, faults, duplicates, reorders', () => {
  expect(result.kills.worker).toBeGreaterThan(2);
  expect(result.kills.api).toBeGreaterThan(0);
  expect(result.kills.temporal).toBe(1);
  expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(result.duplicatedEvents).toBeGreaterThan(0);
  // Every delivery ended: under the faults, or once they stopped (one still retrying through them is slow,
  // not lost; one that does not end with healthy partners stands still).
  expect(result.settled).toBe(true);
});

test('no delivery is lost', () => {
  expect(findings('lost-delivery', 'orphan-job', 'shared-job', 'doubled-job')).toEqual([]);
});

test('every note, evidence, label, on-hold, cancel and agent reaches the platform exactly once', () => {
  expect(findings('lost-report', 'doubled-report', 'report-after-end')).toEqual([]);
});

test('no tracking call before the 5 s confirmation; every platform cancel reaches the engine; creation backs off', () => {
  expect(findings('early-call', 'slow-cancel', 'creation-hot-loop')).toEqual([]);
});

test('no open workflow stands still on a workflow task failing again and again (a nondeterminism error)', () => {
  expect(findings('wedged-workflow-task')).toEqual([]);
});
