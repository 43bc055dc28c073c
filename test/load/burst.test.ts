/**
 * A burst of Create service calls (issue 8): 300 calls, 200 at a time. Every one is answered within
 * VTEX's 5 seconds (PENDING early where the workflow could not answer in time), and afterwards every
 * delivery's job exists exactly once: none lost, none doubled.
 */
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody } from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  // API and worker in processes of their own, as deployed: the burst must not share one event
  // loop with the sandboxes and the 200 callers of this test.
  stack = await startTestStack({ processes: true });
});
afterAll(async () => {
  await stack?.stop();
});

const TOTAL = 300;
const CONCURRENCY = 200;

it(`answers ${TOTAL} Create service calls at ${CONCURRENCY} concurrent within 5 s each, and creates each job exactly once`, async () => {
  const bodies = Array.from({ length: TOTAL }, () => createServiceBody());
  const results: Array<{ status: number; ms: number; serviceId?: string; orderId: string }> = [];
  let next = 0;
  const caller = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const started = performance.now();
      const response = await stack.call('POST', '/vtex/services', body);
      results.push({
        status: response.status,
        ms: performance.now() - started,
        serviceId: response.body?.serviceId,
        orderId: body.orderId,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));

  expect(results).toHaveLength(TOTAL);
  const notOk = results.filter((r) => r.status !== 200);
  expect(notOk).toEqual([]);
  const slowest = Math.max(...results.map((r) => r.ms));
  expect(slowest).toBeLessThan(5000);
  expect(new Set(results.map((r) => r.serviceId)).size).toBe(TOTAL);

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
