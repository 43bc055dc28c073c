/**
 * Job creation against an engine that fails: slots that lapse (417), an engine down for a while,
 * an engine down past the delivery window. VTEX always gets its answer within 5 seconds.
 */
import { recordHistory } from '../support/histories';
import { createServiceBody, finalView, vtexCallsOf } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { vtexServiceId } from '../../mapping/ids';

describe('job creation in a failing Delivery Engine', () => {
  // Slots lapse after 400 ms, so a slow POST /jobs meets 417.
  const stack = useTestStack({ engine: { slotHoldMs: 400 } });
  afterEach(() => {
    stack.engine.resetFaults();
  });

  it('asks for a new slot when the engine answers 417, and creates the job on it', async () => {
    stack.engine.setFaults({ latencyMs: 700, pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const answer = stack.vtex.createService(body);
    // Once the first create met an expired slot, the engine gets fast again.
    await waitFor(() => stack.engine.calls({ method: 'POST', path: '^/jobs$' }).some((c) => c.status === 417), {
      what: 'a 417',
    });
    stack.engine.resetFaults();
    const result = await answer;
    expect(result.status).toBe(200);
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job',
      },
    );
    const creates = stack.engine
      .calls({ method: 'POST', path: '^/jobs$' })
      .filter(
        (c) =>
          (c.body as { client_reference: string }).client_reference === vtexServiceId(body.carrierId, body.orderId),
      );
    expect(creates[0]!.status).toBe(417);
    expect(creates.at(-1)!.status).toBe(200);
    const firstSlot = (creates[0]!.body as { slot_id: string }).slot_id;
    expect(job.slot_id).not.toBe(firstSlot);
    expect(stack.engine.calls({ method: 'POST', path: '^/jobs/availability/v2$' }).length).toBeGreaterThanOrEqual(2);
  });

  it('answers PENDING before VTEX gives up while the engine is down, then creates the job once it is back', async () => {
    stack.engine.setFaults({ errorRate: 1, pathPattern: '^/jobs' });
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'PENDING',
      shippingPrice: null,
      shippingEstimatedDate: null,
      // Labels are signed without the job: they render from the delivery when fetched (docs/labels.md).
      labels: [expect.objectContaining({ type: 'PDF' }), expect.objectContaining({ type: 'ZPL' })],
    });
    const serviceId = (result.body as { serviceId: string }).serviceId;
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();

    stack.engine.resetFaults();
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job after the outage',
        timeoutMs: 30_000,
      },
    );
    const patch = await waitFor(
      () => vtexCallsOf(stack, serviceId).find((c) => c.method === 'PATCH' && c.status === 200),
      { what: 'the first PATCH', timeoutMs: 20_000 },
    );
    const price = (await stack.call('GET', `/deliveries/${serviceId}`)).body.job.priceCents;
    expect(patch.body).toMatchObject({ status: 'PENDING', shippingPrice: price, shippingEstimatedDate: job.end_time });
    expect(Date.parse(patch.at) - Date.parse(result.answeredAt)).toBeGreaterThanOrEqual(5000);
  });
});

describe('an engine down past the delivery window', () => {
  const stack = useTestStack({ env: { CREATION_GRACE_MS: '3000' } });

  it('gives up, and tells VTEX with an ERROR note and a cancel of type ERROR_CREATE_SERVICE', async () => {
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs' });
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'PENDING' });
    const serviceId = (result.body as { serviceId: string }).serviceId;

    const view = await finalView(stack, serviceId, 40_000);
    expect(view).toMatchObject({
      status: 'CANCELED',
      needsAttention: true,
      lastError: expect.stringContaining('no slot could be had before'),
    });
    const record = stack.vtex.service(body.carrierId, serviceId)!;
    expect(record.status).toBe('CANCELED');
    expect(record.notes).toEqual([
      expect.objectContaining({
        type: 'ERROR',
        content: expect.stringContaining('The delivery job could not be created: no slot could be had before'),
      }),
    ]);
    const cancel = vtexCallsOf(stack, serviceId).find((c) => c.path.includes('/cancel/'))!;
    expect(cancel.body).toMatchObject({
      type: 'ERROR_CREATE_SERVICE',
      comment: expect.stringContaining('no slot could be had'),
    });
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();
    await recordHistory(stack.bridge.client, serviceId, 'creation-failed-past-window');
  });
});
