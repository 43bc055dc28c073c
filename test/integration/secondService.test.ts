/**
 * A second service for the same order (VTEX's Create service again, same orderId): idempotent while
 * the delivery is open; once it ended, VTEX asking for another type (a RETURN after the DELIVERY)
 * or asking again after a cancel is a new delivery, with its own serviceId and its own job. The
 * same request for a delivery that ended is a repeat, answered from the delivery that was.
 */
import { createServiceBody, createVtexDelivery, emit, finalView } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { VTEX_SERVICE_ID_PATTERN } from '../../mapping/ids';

const stack = useTestStack();

async function askAgain(body: Record<string, unknown>): Promise<string> {
  const result = await stack.vtex.createService(body);
  expect(result.status).toBe(200);
  return (result.body as { serviceId: string }).serviceId;
}

const jobOf = (serviceId: string) =>
  waitFor(() => stack.engine.jobsByClientReference(serviceId)[0], { what: `the job of ${serviceId}` });

it('makes a RETURN after a delivered DELIVERY a delivery of its own, joined while it runs', async () => {
  const body = createServiceBody({ type: 'DELIVERY' });
  const first = await createVtexDelivery(stack, { body });
  await emit(stack, first.jobId, 'CLIENT_RECEIVED', { notes: [], evidences: [] });
  expect((await finalView(stack, first.serviceId)).status).toBe('DELIVERED');

  // The same DELIVERY again is a repeat of the ended one: its answer, no new job.
  expect(await askAgain(body)).toBe(first.serviceId);

  const returned = await askAgain({ ...body, type: 'RETURN' });
  expect(returned).not.toBe(first.serviceId);
  expect(returned).toMatch(VTEX_SERVICE_ID_PATTERN);
  const job = await jobOf(returned);
  expect(job.id).not.toBe(first.jobId);
  // While it runs, the RETURN again joins it.
  expect(await askAgain({ ...body, type: 'RETURN' })).toBe(returned);
  expect(stack.engine.jobsByClientReference(returned).map((j) => j.id)).toEqual([job.id]);
}, 90_000);

it('makes a new request after a cancel a new delivery', async () => {
  const body = createServiceBody();
  const first = await createVtexDelivery(stack, { body });
  expect((await stack.vtex.cancelService(first.serviceId, 'Changed my mind', first.carrierId)).status).toBe(200);
  expect((await finalView(stack, first.serviceId, 60_000)).status).toBe('CANCELED');

  const again = await askAgain(body);
  expect(again).not.toBe(first.serviceId);
  expect((await jobOf(again)).id).not.toBe(first.jobId);
}, 120_000);
