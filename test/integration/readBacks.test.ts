/**
 * VTEX's Get service in other shapes (activities/vtex.ts reads it back before every post): an answer
 * without a field the read-back can do without lets the call go; one it cannot read is a failed read,
 * retried a few times and then refused, which flags the delivery. Either way the outbox moves on.
 */
import { UNEXPECTED_ATTEMPTS } from '../../activities/failures';
import { createVtexDelivery, emit, finalView, forceStatus, stateOf, vtexCallsOf } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();
afterEach(() => stack.vtex.setGetServiceOmits([]));

const record = (d: { carrierId: string; serviceId: string }) => stack.vtex.service(d.carrierId, d.serviceId)!;

it('posts an on-hold when Get service answers without a timeline, and the reports after it go out', async () => {
  const d = await createVtexDelivery(stack);
  await emit(stack, d.jobId, 'ALLOCATED');
  stack.vtex.setGetServiceOmits(['timeline']);
  // Instaleap has no ON_HOLD event: the carrier's staff raise it through an operator.
  await forceStatus(stack, d.serviceId, 'ON_HOLD', 'store closed until 14:00');
  await waitFor(async () => (await stateOf(stack, d.serviceId)).status === 'ON_HOLD' || undefined, {
    what: 'the delivery on hold',
  });
  await emit(stack, d.jobId, 'CLIENT_RECEIVED');

  const view = await finalView(stack, d.serviceId);
  expect(view.status).toBe('DELIVERED');
  expect(view.needsAttention).toBe(false);
  expect(record(d).status).toBe('DELIVERED');
  expect(vtexCallsOf(stack, d.serviceId).filter((c) => c.path.includes('/on-hold/') && c.status === 200)).toHaveLength(
    1,
  );
}, 60_000);

it('counts a Get service without a status as a failed read: a few tries, then the delivery is flagged and the outbox moves on', async () => {
  const d = await createVtexDelivery(stack);
  // The first report (PENDING and the labels, each with its read-back) is taken before VTEX's answers
  // change: the reads counted below are the ALLOCATED report's alone.
  await waitFor(
    async () =>
      record(d).status === 'PENDING' && (await stateOf(stack, d.serviceId)).pendingReports === 0 ? true : undefined,
    { what: 'the first report taken', timeoutMs: 30_000 },
  );
  const readsBefore = vtexCallsOf(stack, d.serviceId).filter((c) => c.method === 'GET').length;
  stack.vtex.setGetServiceOmits(['status']);
  await emit(stack, d.jobId, 'ALLOCATED');
  const flagged = await waitFor(
    async () => {
      const view = await stateOf(stack, d.serviceId);
      return view.refusedReports > 0 ? view : undefined;
    },
    { what: 'the unreadable read-back refused and flagged', timeoutMs: 30_000 },
  );
  expect(flagged.needsAttention).toBe(true);
  expect(flagged.lastError).toMatch(/InvalidResponse|unexpected body|cannot be read/i);
  // Bounded: the attempts of one report (UNEXPECTED_ATTEMPTS, with a margin), not a read every few seconds for ever.
  const reads = vtexCallsOf(stack, d.serviceId).filter((c) => c.method === 'GET').length - readsBefore;
  expect(reads).toBeGreaterThanOrEqual(1);
  expect(reads).toBeLessThanOrEqual(2 * UNEXPECTED_ATTEMPTS);

  stack.vtex.setGetServiceOmits([]);
  await emit(stack, d.jobId, 'CLIENT_RECEIVED');
  // The outbox moved on: the next status reached VTEX (whether the workflow then ends with a
  // refused report is the workflow's rule, not this test's).
  await waitFor(() => record(d).status === 'DELIVERED' || undefined, { what: 'DELIVERED at VTEX', timeoutMs: 30_000 });
}, 90_000);
