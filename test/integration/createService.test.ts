/**
 * VTEX Create service through the real stack: the VTEX sandbox plays VTEX against our intake over
 * HTTP, the workflow runs on the test run's Temporal dev server, the engine sandbox holds the jobs.
 */
import { CreateServiceResponse } from '../../contracts/vtex';
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody, workflowExists } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('POST /vtex/services (Create service)', () => {
  it("takes VTEX's own example end to end: answered PENDING with the job, then VTEX holds the service in PENDING", async () => {
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    const answer = CreateServiceResponse.parse(result.body);
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    const job = stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0];
    expect(job).toBeDefined();
    // Instaleap's create answers no tracking URL; the price is the rate card's, in cents.
    const price = (await stack.call('GET', `/deliveries/${serviceId}`)).body.job.priceCents as number;
    expect(Number.isInteger(price)).toBe(true);
    expect(answer).toEqual({
      status: 'PENDING',
      serviceId,
      shippingPrice: price,
      metaData: { serviceId, jobId: job!.id },
      shippingEstimatedDate: job!.end_time,
      // The package's shipping label, PDF and ZPL, at signed URLs (docs/labels.md).
      labels: [
        expect.objectContaining({ id: `${serviceId}-1-pdf`, type: 'PDF' }),
        expect.objectContaining({ id: `${serviceId}-1-zpl`, type: 'ZPL' }),
      ],
    });

    const record = await waitFor(
      () => {
        const r = stack.vtex.service(body.carrierId, serviceId);
        return r?.trackingUrl ? r : undefined;
      },
      { what: 'the first PATCH at VTEX', timeoutMs: 15_000 },
    );
    expect(record).toMatchObject({
      status: 'PENDING',
      orderId: body.orderId,
      serviceId: `${body.carrierId}&${serviceId}`,
      trackingUrl: job!.tracking_url,
      shippingPrice: price,
      shippingEstimatedDate: job!.end_time,
    });
    // The engine got the mapped job, with the delivery's key and no webhook URL of its own.
    expect(job!.recipient.name).toBe('Pansy Graves');
    expect(job!.external_data.webhook).toEqual({ key: expect.stringMatching(/^vtex-.+\..+$/), service_id: serviceId });
    await recordHistory(stack.bridge.client, serviceId, 'create-service-happy', { waitForEnd: false });
  });

  it('makes no tracking call before 5 seconds after the answer', async () => {
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    const serviceId = (result.body as { serviceId: string }).serviceId;
    // The sandbox records a call as it arrives and its status once answered: wait for the first one's answer.
    const first = await waitFor(() => [stack.vtex.calls({ path: serviceId })[0]].find((c) => c?.durationMs != null), {
      what: 'an answered tracking call',
      timeoutMs: 15_000,
    });
    const answeredAt = Date.parse(result.answeredAt);
    expect(Date.parse(first.at) - answeredAt).toBeGreaterThanOrEqual(5000);
    // And it found the service confirmed (the sandbox answers 404 to an early call).
    expect(first.status).toBe(200);
  });

  it('answers a repeated Create service with the same serviceId and creates no second job', async () => {
    const body = createServiceBody();
    const first = await stack.call('POST', '/vtex/services', body);
    const again = await stack.call('POST', '/vtex/services', body);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.serviceId).toBe(first.body.serviceId);
    expect(again.body.metaData.jobId).toBe(first.body.metaData.jobId);
    expect(
      stack.engine.jobs().filter((j) => j.client_reference === vtexServiceId(body.carrierId, body.orderId)),
    ).toHaveLength(1);
  });

  it('answers concurrent duplicates with one serviceId and one job', async () => {
    const body = createServiceBody();
    const answers = await Promise.all(Array.from({ length: 8 }, () => stack.call('POST', '/vtex/services', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.serviceId)).size).toBe(1);
    await waitFor(() => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0], {
      what: 'the job',
    });
    expect(
      stack.engine.jobs().filter((j) => j.client_reference === vtexServiceId(body.carrierId, body.orderId)),
    ).toHaveLength(1);
    expect(
      stack.engine
        .calls({ method: 'POST', path: '^/jobs$' })
        .filter(
          (c) =>
            (c.body as { client_reference?: string })?.client_reference === vtexServiceId(body.carrierId, body.orderId),
        ).length,
    ).toBeGreaterThanOrEqual(1);
  });

  describe('refuses what cannot be delivered, starting nothing', () => {
    const cases: Array<[string, (b: Record<string, any>) => unknown, string]> = [
      [
        'a receiver that nothing places (no address, reference or location)',
        (b) => {
          delete b.receiver.address;
          delete b.receiver.reference;
          delete b.receiver.location;
          return b;
        },
        'receiver',
      ],
      [
        'no packages',
        (b) => {
          b.packages = [];
          return b;
        },
        'packages',
      ],
      [
        'an unknown type',
        (b) => {
          b.type = 'TELEPORT';
          return b;
        },
        'type',
      ],
      [
        'a payment method over the length limit',
        (b) => {
          b.paymentMethod = 'B'.repeat(1000);
          return b;
        },
        'paymentMethod',
      ],
      [
        'an item without quantity',
        (b) => {
          delete b.packages[0].items[0].quantity;
          return b;
        },
        'packages.0.items.0.quantity',
      ],
      [
        'an unreadable weight',
        (b) => {
          b.packages[0].items[0].weight = 'heavy';
          return b;
        },
        'packages.0.items.0.weight',
      ],
    ];
    it.each(cases)('400 for %s, with the field path', async (_name, mutate, path) => {
      const body = createServiceBody();
      const response = await stack.call('POST', '/vtex/services', mutate(body));
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      expect(await workflowExists(stack, vtexServiceId(body.carrierId, body.orderId))).toBe(false);
      expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();
    });

    it('400 for a body that is not JSON, 413 for one over the limit', async () => {
      const bad = await stack.call('POST', '/vtex/services', '{"orderId": "x",');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'The body is not valid JSON', details: [{ path: '(body)' }] });
      const huge = await stack.call('POST', '/vtex/services', {
        ...createServiceBody(),
        comments: 'x'.repeat(1_100_000),
      });
      expect(huge.status).toBe(413);
    });

    it('401 without the intake token or with a wrong one', async () => {
      const body = createServiceBody();
      expect((await stack.call('POST', '/vtex/services', body, { authorization: '' })).status).toBe(401);
      expect((await stack.call('POST', '/vtex/services', body, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect(await workflowExists(stack, vtexServiceId(body.carrierId, body.orderId))).toBe(false);
    });
  });
});
