/**
 * The bad-input run inside the suite (docs/testing.md "Proving it"): 300 generated and mutated requests over every
 * intake endpoint, against the API and the worker as their own processes. The full count is
 * `npm run fuzz` (10,000; its figures in CHAOS.md). Every property is checked on every answer; the
 * test fails listing every failure class (endpoint, property, field, kind of input, first example).
 * The classes the full run found are pinned one request each in foundClasses.test.ts.
 */
import { describeFuzz, runFuzz, type FuzzResult } from '../../scripts/fuzz/run';
import { startFuzzStack, type FuzzStack } from '../../scripts/fuzz/stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let stack: FuzzStack;
let result: FuzzResult;

beforeAll(async () => {
  stack = await startFuzzStack({
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE!,
  });
  result = await runFuzz({
    runs: RUNS,
    seed: Number(process.env.FUZZ_SEED ?? 18),
    apiUrl: stack.apiUrl,
    tokenFor: stack.tokenFor,
    client: stack.client,
    apiPid: stack.apiPid,
    context: stack.context,
  });
  process.stderr.write(`${describeFuzz(result)}\n`);
}, 170_000);

afterAll(async () => {
  await stack?.stop();
});

const failuresOf = (property: string) =>
  result.failures
    .filter((f) => f.property === property)
    .map((f) => `${f.endpoint} ${f.field} (${f.op}): ${f.example.shape} -> ${f.example.status} in ${f.example.ms} ms`);

test(`${RUNS} generated requests over every intake endpoint`, () => {
  expect(result.requests).toBe(RUNS);
  expect(Object.values(result.byEndpoint).every((n) => n > 0)).toBe(true);
});

test('no answer is a 5xx, and every request is answered', () => {
  expect([...failuresOf('no-5xx'), ...failuresOf('answered')]).toEqual([]);
});

test('every refusal comes within 1 s, every accepted request within the 5 s of the contract', () => {
  expect([...failuresOf('within-1s'), ...failuresOf('accepted-within-5s')]).toEqual([]);
});

test('every 4xx names the field (details[].path)', () => {
  expect(failuresOf('4xx-names-field')).toEqual([]);
});

test('nothing is started in Temporal for a rejected request', () => {
  expect(failuresOf('nothing-started')).toEqual([]);
});

test("the API's memory is flat afterwards", () => {
  expect(result.memory).toMatchObject({ flat: true });
});
