/**
 * A burst of Create service calls (docs/intake-api.md "Create service in a burst"): 300 calls, 200 at a time. Every one is answered within
 * VTEX's 5 seconds (PENDING early where the workflow could not answer in time), and afterwards every
 * delivery's job exists exactly once: none lost, none doubled.
 *
 * As deployed, nothing shares an event loop with the bridge or with its caller: the API and the
 * worker run as processes of their own, and the calls go out from a third (test/support/loadCaller),
 * as VTEX's come from its own machines. This process keeps only the sandboxes.
 */
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody } from '../support/deliveries';
import { callInOwnProcess } from '../support/loadCaller';
import { startTestStack, TEST_INTAKE_TOKEN, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ processes: true });
});
afterAll(async () => {
  await stack?.stop();
});

const TOTAL = 300;
const CONCURRENCY = 200;

it(`answers ${TOTAL} Create service calls at ${CONCURRENCY} concurrent within 5 s each, and creates each job exactly once`, async () => {
  const bodies = Array.from({ length: TOTAL }, () => createServiceBody());
  const results = await callInOwnProcess({
    url: `${stack.apiUrl}/vtex/services`,
    token: TEST_INTAKE_TOKEN,
    concurrency: CONCURRENCY,
    bodies,
  });

  expect(results).toHaveLength(TOTAL);
  const notOk = results.filter((r) => r.status !== 200);
  expect(notOk).toEqual([]);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(TOTAL - 1, Math.floor(TOTAL * q))]!);
  const pending = results.filter((r) => r.body?.status === 'PENDING').length;
  const spread = `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, slowest ${at(1)} ms; ${pending} of ${TOTAL} PENDING`;
  console.log(`Create service answers: ${spread}`);
  expect(at(1) < 5000 ? 'all within 5 s' : spread).toBe('all within 5 s');
  expect(new Set(results.map((r) => r.body?.serviceId)).size).toBe(TOTAL);

  // Every delivery gets its job, once.
  const orders = new Set(bodies.map((b) => vtexServiceId(b.carrierId as string, b.orderId as string)));
  await waitFor(() => stack.engine.jobs().filter((j) => orders.has(j.client_reference)).length >= TOTAL, {
    what: `${TOTAL} jobs`,
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  const perOrder = new Map<string, number>();
  for (const job of stack.engine.jobs())
    if (orders.has(job.client_reference))
      perOrder.set(job.client_reference, (perOrder.get(job.client_reference) ?? 0) + 1);
  expect(perOrder.size).toBe(TOTAL);
  expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
}, 120_000);
