/**
 * The marketplace's DELIVERY_REQUEST through the real stack: the marketplace sandbox sends seed 002
 * events to our intake over HTTP and receives our status callbacks; the workflows run on the test
 * run's Temporal dev server; the engine sandbox holds the jobs and plays their events.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { marketplaceServiceId } from '../../mapping/ids';
import { runDeliveryCli } from '../../scripts/delivery';
import { RouteIdKey } from '../../workflows/searchAttributes';
import { workflowExists } from '../support/deliveries';
import { historyText, recordHistory } from '../support/histories';
import { fresh, seedDeliveryRequest, seedRouteDeliveryRequest } from '../support/marketplaceEvents';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

const STEP_MS = 30;
const idsOf = (event: Record<string, any>): string[] =>
  event.deliveries.map((d: { delivery_id: string }) => d.delivery_id);
const statusesOf = (deliveryId: string) => stack.marketplace.callbacks(deliveryId).map((r) => r.callback.status);
const jobOf = (deliveryId: string) =>
  waitFor(() => stack.engine.jobByClientReference(deliveryId), { what: `the job of ${deliveryId}` });
const hasCallback = (deliveryId: string, status: string) =>
  waitFor(() => statusesOf(deliveryId).includes(status as never), {
    what: `${status} at the marketplace for ${deliveryId}`,
    timeoutMs: 20_000,
  });
const jobPosts = (deliveryIds: string[]) =>
  stack.engine
    .calls({ method: 'POST', path: '^/jobs$' })
    .filter((c) => deliveryIds.includes((c.body as { client_reference?: string } | null)?.client_reference ?? ''));

beforeAll(async () => {
  stack = await startTestStack({ engine: { webhook: { initialDelayMs: 20, maxDelayMs: 200 } } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('POST /marketplace/events (DELIVERY_REQUEST)', () => {
  it("takes seed 002's first example end to end: PENDING, then ASSIGNED to DELIVERED at the marketplace, each with the event's own headers", async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    const serviceId = marketplaceServiceId(deliveryId);

    const sent = await stack.marketplace.sendDeliveryRequest(event);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      event_type: 'DELIVERY_REQUEST',
      accepted: [{ delivery_id: deliveryId, serviceId, workflow: 'running' }],
      route: null,
    });

    // The engine got the mapped job: every requirement of the seller reaches the driver.
    const job = await jobOf(deliveryId);
    expect(job.request).toMatchObject({
      client_reference: deliveryId,
      recipient: {
        name: 'Machado de Assis',
        phone_number: '+55911111111',
        identification: { number: '07073877014', type: 'CPF' },
      },
      payment_info: {
        currency_code: 'BRL',
        prices: { order_value: 69.09, shipping_fee: 10 },
        payment: { method: 'CARD_ON_DELIVERY', value: 69.09 },
      },
      round_trip_info: { enabled: true },
      additional_card_info: {
        keep_prescription: 'yes',
        thermolabile: 'yes',
        pos_terminal_required: 'yes',
        return_to_origin: 'yes',
        tracking: 'a-vBGOS',
      },
    });
    expect(job.request.job_comment).toContain('pegar maquina com Walmir no caixa');

    await hasCallback(deliveryId, 'PENDING');
    stack.engine.play(job.job_id, 'happy', STEP_MS);
    await hasCallback(deliveryId, 'DELIVERED');

    const received = stack.marketplace.callbacks(deliveryId);
    expect(received.map((r) => r.callback.status)).toEqual(['PENDING', 'ASSIGNED', 'PICKED', 'ON_ROUTE', 'DELIVERED']);
    expect(received.every((r) => !r.duplicate)).toBe(true);
    expect(received[0]!.callback).toMatchObject({
      event_id: `${deliveryId}:job-created`,
      tracking: 'a-vBGOS',
      order_number: event.deliveries[0].order_number,
      tracking_url: job.tracking_url,
    });
    expect(received[1]!.callback.agent).toMatchObject({ id: expect.any(String), name: expect.any(String) });

    // Every callback went to /deliveries/{delivery_id}/events with exactly the headers of the event.
    const calls = stack.marketplace.calls({ method: 'POST', path: `/deliveries/${deliveryId}/events` });
    expect(calls).toHaveLength(5);
    for (const call of calls) {
      expect(call.status).toBe(200);
      expect(call.headers['x-carrier-key']).toBe(event.logistic_data.headers['X-Carrier-Key']);
      expect(call.headers.authorization).toBe('[masked]');
    }

    // The headers are secrets: nowhere in the workflow's history in clear.
    const history = await historyText(stack.bridge.client, serviceId);
    expect(history).toContain(deliveryId); // the payloads are decoded: the check below can fail
    expect(history).not.toContain(event.logistic_data.headers.Authorization.slice('Bearer '.length));
    expect(history).not.toContain(event.logistic_data.headers['X-Carrier-Key']);
    await recordHistory(stack.bridge.client, serviceId, 'marketplace-delivered');
  });

  it("takes seed 002's route example: routeId on every delivery, and GET /routes/:routeId lists them with their states", async () => {
    const event = fresh(seedRouteDeliveryRequest(), 2);
    const [first, second] = idsOf(event) as [string, string];
    const sent = await stack.marketplace.sendDeliveryRequest(event);
    expect(sent.status).toBe(202);
    expect((sent.body as { route: unknown }).route).toEqual({ id: event.route_id, name: 'GPT-2LkRo' });

    const job = await jobOf(first);
    expect(job.request.additional_card_info).toMatchObject({ route: `GPT-2LkRo (${event.route_id})` });
    const description = await stack.bridge.client.workflow.getHandle(marketplaceServiceId(first)).describe();
    await waitFor(
      async () =>
        (
          await stack.bridge.client.workflow.getHandle(marketplaceServiceId(first)).describe()
        ).typedSearchAttributes.get(RouteIdKey) === event.route_id,
      { what: 'RouteId' },
    );
    expect(description.status.name).toBe('RUNNING');

    await hasCallback(second, 'PENDING');
    stack.engine.play(job.job_id, 'happy', STEP_MS);
    await hasCallback(first, 'DELIVERED');
    await stack.bridge.client.workflow.getHandle(marketplaceServiceId(first)).result();

    // Visibility is eventually consistent: the listing is polled until it shows both, the first closed.
    const listing = await waitFor(
      async () => {
        const response = await stack.call('GET', `/routes/${event.route_id}`);
        const closed =
          response.body?.deliveries?.filter((d: { workflowStatus: string }) => d.workflowStatus === 'COMPLETED') ?? [];
        return response.status === 200 && response.body.count === 2 && closed.length === 1 ? response.body : undefined;
      },
      { what: 'the route listing with both deliveries, the first one completed' },
    );
    expect(listing).toMatchObject({ routeId: event.route_id, routeName: 'GPT-2LkRo', count: 2 });
    const byId = Object.fromEntries(listing.deliveries.map((d: { serviceId: string }) => [d.serviceId, d]));
    expect(byId[marketplaceServiceId(first)]).toMatchObject({
      status: 'DELIVERED',
      phase: 'ended',
      jobId: job.job_id,
      workflowStatus: 'COMPLETED',
    });
    expect(byId[marketplaceServiceId(second)]).toMatchObject({
      status: 'PENDING',
      phase: 'active',
      workflowStatus: 'RUNNING',
      orderId: event.deliveries[1].order_number,
    });

    expect((await stack.call('GET', `/routes/${randomUUID()}`)).status).toBe(404);
    expect(
      (await stack.call('GET', `/routes/${event.route_id}`, undefined, { authorization: 'Bearer wrong' })).status,
    ).toBe(401);
  });

  it('starts one workflow and one job per delivery of a multi-delivery event, each reported on its own', async () => {
    const event = fresh(seedDeliveryRequest(), 3);
    const ids = idsOf(event);
    const sent = await stack.marketplace.sendDeliveryRequest(event);
    expect(sent.status).toBe(202);
    expect((sent.body as { accepted: Array<{ delivery_id: string }> }).accepted.map((a) => a.delivery_id)).toEqual(ids);
    for (const id of ids) expect(await workflowExists(stack, marketplaceServiceId(id))).toBe(true);
    const jobs = await Promise.all(ids.map(jobOf));
    expect(new Set(jobs.map((j) => j.job_id)).size).toBe(3);
    for (const id of ids) await hasCallback(id, 'PENDING');
  });

  it('starts nothing new for the same event twice: same workflows, one job each, no second PENDING', async () => {
    const event = fresh(seedDeliveryRequest(), 2);
    const ids = idsOf(event);
    const first = await stack.marketplace.sendDeliveryRequest(event);
    for (const id of ids) await hasCallback(id, 'PENDING');
    const runIds = await Promise.all(
      ids.map(async (id) => (await stack.bridge.client.workflow.getHandle(marketplaceServiceId(id)).describe()).runId),
    );

    const again = await stack.marketplace.sendDeliveryRequest(event);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const runIdsAfter = await Promise.all(
      ids.map(async (id) => (await stack.bridge.client.workflow.getHandle(marketplaceServiceId(id)).describe()).runId),
    );
    expect(runIdsAfter).toEqual(runIds);
    expect(jobPosts(ids)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) expect(statusesOf(id)).toEqual(['PENDING']);
  });

  it("reports an operator's cancel (seed 002 has no cancel event) as CANCELED, and the event again afterwards starts nothing", async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    const serviceId = marketplaceServiceId(deliveryId);
    await stack.marketplace.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasCallback(deliveryId, 'PENDING');

    const out: string[] = [];
    const connect = async () =>
      new Client({ connection: await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! }) });
    const code = await runDeliveryCli(['cancel', serviceId, '--reason', 'Seller called: order canceled'], connect, {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(0);

    await hasCallback(deliveryId, 'CANCELED');
    expect(stack.marketplace.callbacks(deliveryId).map((r) => r.callback)).toEqual([
      expect.objectContaining({ status: 'PENDING' }),
      expect.objectContaining({
        status: 'CANCELED',
        event_id: `${deliveryId}:canceled`,
        reason: 'Seller called: order canceled',
      }),
    ]);
    await waitFor(() => stack.engine.job(job.job_id)?.status === 'CANCELLED', {
      what: 'the job canceled at the engine',
    });
    await stack.bridge.client.workflow.getHandle(serviceId).result();

    const again = await stack.marketplace.sendDeliveryRequest(event);
    expect(again.status).toBe(202);
    expect((again.body as { accepted: unknown }).accepted).toEqual([
      { delivery_id: deliveryId, serviceId, workflow: 'ended' },
    ]);
    expect(jobPosts([deliveryId])).toHaveLength(1);
    expect(statusesOf(deliveryId)).toEqual(['PENDING', 'CANCELED']);
  });

  it('reports a job the engine refuses to create as CANCELED with the reason', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [400], pathPattern: '^/jobs$' });
    try {
      expect((await stack.marketplace.sendDeliveryRequest(event)).status).toBe(202);
      await hasCallback(deliveryId, 'CANCELED');
    } finally {
      stack.engine.resetFaults();
    }
    expect(stack.marketplace.callbacks(deliveryId).map((r) => r.callback)).toEqual([
      expect.objectContaining({
        status: 'CANCELED',
        event_id: `${deliveryId}:creation-failed`,
        reason: expect.stringMatching(/^The delivery job could not be created: the Delivery Engine refused the job/),
      }),
    ]);
    await recordHistory(stack.bridge.client, marketplaceServiceId(deliveryId), 'marketplace-creation-failed');
  });

  describe('refuses malformed events, starting nothing', () => {
    async function expectNothingStarted(ids: string[]): Promise<void> {
      for (const id of ids) expect(await workflowExists(stack, marketplaceServiceId(id))).toBe(false);
      expect(jobPosts(ids)).toEqual([]);
      for (const id of ids) expect(stack.engine.jobByClientReference(id)).toBeUndefined();
    }

    it('400 with the path when one delivery of three cannot be mapped (a negative weight)', async () => {
      const event = fresh(seedDeliveryRequest(), 3);
      event.deliveries[1].volumes[0].weight = -5;
      const response = await stack.call('POST', '/marketplace/events', event);
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([
        { path: 'deliveries.1.volumes.0.weight', message: 'must not be negative' },
      ]);
      await expectNothingStarted(idsOf(event));
    });

    it('400 with every schema path: a delivery without customer name, an unsendable header, a route without route_id', async () => {
      const event = fresh(seedRouteDeliveryRequest(), 3);
      delete event.deliveries[2].customer.name;
      event.logistic_data.headers['Bad Header'] = 'x';
      event.route_id = null;
      const response = await stack.call('POST', '/marketplace/events', event);
      expect(response.status).toBe(400);
      expect(response.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'deliveries.2.customer.name',
        'logistic_data.headers.Bad Header',
        'route_id',
      ]);
      await expectNothingStarted(idsOf(event));
    });

    it('400 for a body that is not JSON or not an event, 401 without the intake token', async () => {
      expect((await stack.call('POST', '/marketplace/events', '{"event_type": "DELIVERY_REQUEST",')).status).toBe(400);
      const noType = await stack.call('POST', '/marketplace/events', { deliveries: [] });
      expect(noType.status).toBe(400);
      expect(noType.body.details).toEqual([{ path: 'event_type', message: expect.any(String) }]);
      const event = fresh(seedDeliveryRequest());
      expect((await stack.call('POST', '/marketplace/events', event, { authorization: 'Bearer wrong' })).status).toBe(
        401,
      );
      await expectNothingStarted(idsOf(event));
    });

    it('acknowledges an event_type it does not handle with 202 and starts nothing', async () => {
      const event = { ...fresh(seedDeliveryRequest()), event_type: 'DELIVERY_CANCEL' };
      const response = await stack.call('POST', '/marketplace/events', event);
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ event_type: 'DELIVERY_CANCEL', ignored: true, accepted: [] });
      await expectNothingStarted(idsOf(event));
    });
  });
});
