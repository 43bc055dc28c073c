/**
 * VTEX's intake as VTEX publishes it (its OpenAPI) and as a hostile caller tries it, through the real
 * stack: the VTEX sandbox sends to our intake over HTTP, workflows run on the test run's Temporal
 * dev server, the engine sandbox holds the jobs.
 */
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import openApiExample from '../../contracts/examples/vtex.create-service.openapi.json';
import { CreateServiceResponse, KNOWN_CARRIER_SERVICE_TYPES, SERVICE_TYPES } from '../../contracts/vtex';
import type { DeliveryInput } from '../../contracts/delivery';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';
import { createServiceBody, createVtexDelivery, stateOf, workflowExists } from '../support/deliveries';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { TEST_VTEX_CARRIER_ID, useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();
let seq = 0;

/** VTEX's published example with a fresh orderId. */
function openApiBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  seq += 1;
  return { ...structuredClone(openApiExample), orderId: `OAS-${process.pid}-${Date.now()}-${seq}`, ...overrides };
}

/** The input the delivery's workflow was started with, as Temporal holds it. */
async function startInput(serviceId: string): Promise<DeliveryInput> {
  const client = stack.bridge.client;
  const history = await client.workflow.getHandle(serviceId).fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[];
  return decodeFromPayloadsAtIndex<DeliveryInput>(client.options.loadedDataConverter, 0, payloads);
}

describe("Create service with VTEX's OpenAPI shapes", () => {
  it("takes VTEX's published example end to end: the job's destination built from its reference, VTEX holds the service", async () => {
    const body = openApiBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    const answer = CreateServiceResponse.parse(result.body);
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    expect(answer.serviceId).toBe(serviceId);
    expect(result.contractErrors).toEqual([]);

    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job',
      },
    );
    const availability = stack.engine
      .calls({ method: 'POST', path: '^/jobs/availability/v2$' })
      .map((c) => c.body as { destination: Record<string, unknown>; origin: Record<string, unknown> })
      .find((b) => b.destination && JSON.stringify(b).includes('Pansy Graves'));
    expect(availability?.destination).toMatchObject({
      address: '63 Billings Place, Valle, Marshall Islands 9840',
      city: 'Valle',
      latitude: -33.249891,
      longitude: -135.052901,
    });
    expect(job.recipient.name).toBe('Pansy Graves');
    expect(job.payment_info.currency_code).toBe('USD');

    const record = await waitFor(
      () => stack.vtex.service(body.carrierId, serviceId)?.trackingUrl && stack.vtex.service(body.carrierId, serviceId),
      {
        what: 'the first PATCH at VTEX',
        timeoutMs: 15_000,
      },
    );
    expect(record).toMatchObject({ status: 'PENDING', orderId: body.orderId, trackingUrl: job.tracking_url });
  });

  it('takes every type and carrierServiceType VTEX lists, and one it does not list', async () => {
    const serviceTypes = [...KNOWN_CARRIER_SERVICE_TYPES, 'SAME_DAY_BIKE'];
    for (const [i, carrierServiceType] of serviceTypes.entries()) {
      const type = SERVICE_TYPES[i % SERVICE_TYPES.length]!;
      const body = openApiBody({ type, carrierServiceType });
      const answer = await stack.call('POST', '/vtex/services', body);
      expect({ type, carrierServiceType, status: answer.status }).toEqual({ type, carrierServiceType, status: 200 });
      const job = await waitFor(
        () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
        {
          what: `the job of ${type}`,
        },
      );
      expect(job.additional_card_info?.vtex_service_type).toBe(`${type} / ${carrierServiceType}`);
    }
  });

  it('takes a TRANSFER from the sending store to the receiving store', async () => {
    const body = openApiBody({ type: 'TRANSFER' });
    expect((await stack.call('POST', '/vtex/services', body)).status).toBe(200);
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job',
      },
    );
    const slot = stack.engine
      .calls({ method: 'POST', path: '^/jobs/availability/v2$' })
      .map((c) => c.body as { origin: { name?: string }; destination: { name?: string } })
      .find((b) => b.origin?.name === 'Tabitha Sears' && b.destination?.name === 'Pansy Graves');
    expect(slot).toBeDefined();
    expect(job.job_comment).toMatch(/^Store-to-store transfer/);
  });

  it('takes an unknown payment method: never as paid, the raw method on the driver card, the delivery flagged', async () => {
    const body = openApiBody({ paymentMethod: 'PIX' });
    const answer = await stack.call('POST', '/vtex/services', body);
    expect(answer.status).toBe(200);
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the job',
      },
    );
    expect(job.payment_info.payment).toMatchObject({
      method: 'UNKNOWN',
      payment_status: 'PENDING',
      value: 8000,
    });
    expect(job.additional_card_info?.payment).toBe('"PIX": unknown method, not known to be paid; ask the operator');
    expect((await startInput(answer.body.serviceId)).attention).toBe(
      'Unknown VTEX paymentMethod "PIX": check how the order is paid',
    );
  });
});

describe('Create service refuses, naming the field and starting nothing', () => {
  it.each<[string, (b: Record<string, any>) => void, string]>([
    ['another carrier', (b) => (b.carrierId = 'someone-else'), 'carrierId'],
    ['a carrierId of dots', (b) => (b.carrierId = '..'), 'carrierId'],
    ['an orderId over the search attribute limit', (b) => (b.orderId = `O${'x'.repeat(3000)}`), 'orderId'],
    [
      'a receiver that nothing places',
      (b) => {
        for (const key of ['address', 'reference', 'location']) delete b.receiver[key];
      },
      'receiver',
    ],
    [
      'a window in year 9999',
      (b) => (b.receiver.deliveryWindow = { initialDate: '9999-01-01T10:00:00Z', finalDate: '9999-01-01T12:00:00Z' }),
      'receiver.deliveryWindow.finalDate',
    ],
    ['a latitude of 1000', (b) => (b.receiver.location.latitude = 1000), 'receiver.location.latitude'],
  ])('400 for %s', async (_name, mutate, path) => {
    const body = openApiBody();
    mutate(body);
    const answer = await stack.call('POST', '/vtex/services', body);
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();
    if (/^[\w.:~=+-]{1,128}$/.test(body.carrierId) && body.orderId.length <= 128)
      expect(await workflowExists(stack, vtexServiceId(body.carrierId, body.orderId))).toBe(false);
  });
});

describe('Cancel and Pause take only VTEX deliveries of ours', () => {
  it.each([
    // Before the check, these two reached Temporal: 6.5 s then a 503, and a gRPC error (503).
    ['an id of 100,000 characters', `vtex-${'x'.repeat(100_000)}`],
    ['an id with a lone surrogate', 'vtex-\ud800abc'],
    ['an id over Temporal workflow-id limit', `vtex-${'x'.repeat(1001)}`],
    ['an id with a control character', 'vtex-SLR-1\u0001-aaaaaaaaaa'],
    ['a path', '../../vtex-SLR-1-aaaaaaaaaa'],
    ['VTEX composite form of nothing of ours', `${TEST_VTEX_CARRIER_ID}&78c83922-d658-48bf-89d5-0658a6a94e27`],
    ['an empty id', ''],
  ])('answers %s at once with a 4xx naming serviceId', async (_name, serviceId) => {
    for (const path of ['/vtex/services/cancel', '/vtex/services/pause']) {
      const answer = await stack.call('POST', path, {
        serviceId,
        carrierId: TEST_VTEX_CARRIER_ID,
        pause: true,
        reason: 'hostile',
      });
      expect([400, 404]).toContain(answer.status);
      expect(answer.body.details[0].path).toBe('serviceId');
    }
  });

  it('never cancels or pauses an Abbiamo delivery, even named with its carrier', async () => {
    const event = fresh(seedDeliveryRequest());
    const delivery = event.deliveries[0] as { delivery_id: string };
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const serviceId = abbiamoServiceId(delivery.delivery_id);
    const job = await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(delivery.delivery_id))[0], {
      what: 'the job',
    });
    const carrierId = event.carrier.method.id as string;

    const cancel = await stack.call('POST', '/vtex/services/cancel', { serviceId, carrierId, reason: 'not yours' });
    const pause = await stack.call('POST', '/vtex/services/pause', { serviceId, carrierId, pause: true, reason: 'x' });
    expect([cancel.status, pause.status]).toEqual([404, 404]);
    expect((await stateOf(stack, serviceId)).status).not.toBe('CANCELED');
    expect(stack.engine.calls({ path: `/jobs/${job.id}/(cancel|hold)` })).toEqual([]);
  });

  it('still cancels a VTEX delivery named in any of the forms VTEX sends', async () => {
    const d = await createVtexDelivery(stack, { body: createServiceBody(), waitFirstReport: false });
    const answer = await stack.call('POST', '/vtex/services/cancel', {
      serviceId: `${d.carrierId}&${d.serviceId}`,
      carrierId: d.carrierId,
      reason: 'Client changed their mind',
    });
    expect(answer.status).toBe(200);
    await waitFor(() => stack.engine.job(d.jobId)?.state === 'CANCELLED', { what: 'the job cancelled' });
  });
});
