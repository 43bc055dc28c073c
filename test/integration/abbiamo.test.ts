/**
 * Abbiamo's DELIVERY_REQUEST and CANCELLATION_REQUEST through the real stack: the Abbiamo sandbox
 * sends Abbiamo's docs events to our intake over HTTP and takes our status calls on its carrier
 * endpoints (with its rules); the workflows run on the test run's Temporal dev server; the engine
 * sandbox holds the jobs and plays their events.
 */
import { randomUUID } from 'node:crypto';
import { testTemporalClient } from '../support/temporal';
import type { DeliveryView } from '../../contracts/delivery';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';
import { runDeliveryCli } from '../../scripts/delivery';
import { deliveryStateQuery } from '../../workflows/messages';
import { RouteIdKey } from '../../workflows/searchAttributes';
import { createServiceBody, forceStatus, workflowExists, withDriver } from '../support/deliveries';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { historyText, recordHistory } from '../support/histories';
import { fresh, seedDeliveryRequest, seedRouteDeliveryRequest } from '../support/abbiamoEvents';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

const STEP_MS = 30;
/** Our side gives up creating at 5/6 of this (10 s); the sandbox's own timeout is set per test. */
const CONFIRMATION_TIMEOUT_MS = 12_000;
const CARRIER_KEY = `test-carrier-key-${randomUUID()}`;

const idsOf = (event: Record<string, any>): string[] =>
  event.deliveries.map((d: { delivery_id: string }) => d.delivery_id);
const accepted = (deliveryId: string) => stack.abbiamo.statusCalls(deliveryId).filter((c) => c.outcome === 'accepted');
const endpointsOf = (deliveryId: string) =>
  accepted(deliveryId).map((c) => c.endpoint + (c.body.sub_status ? `:${c.body.sub_status}` : ''));
const jobOf = (deliveryId: string) =>
  waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
    what: `the job of ${deliveryId}`,
  });
const hasEndpoint = (deliveryId: string, endpoint: string, timeoutMs = 20_000) =>
  waitFor(() => accepted(deliveryId).some((c) => c.endpoint === endpoint), {
    what: `${endpoint} at Abbiamo for ${deliveryId}`,
    timeoutMs,
  });
const jobPosts = (deliveryIds: string[]) =>
  stack.engine
    .calls({ method: 'POST', path: '^/jobs$' })
    .filter((c) =>
      deliveryIds
        .map(abbiamoServiceId)
        .includes((c.body as { client_reference?: string } | null)?.client_reference ?? ''),
    );
const stateOf = (deliveryId: string) =>
  stack.bridge.client.workflow.getHandle(abbiamoServiceId(deliveryId)).query(deliveryStateQuery);
const resultOf = (deliveryId: string) =>
  stack.bridge.client.workflow.getHandle(abbiamoServiceId(deliveryId)).result() as Promise<DeliveryView>;

/** Every status call of the delivery was taken as sent: none refused, dropped or out of order, all with the headers. */
function expectCleanCalls(deliveryId: string) {
  const calls = stack.abbiamo.statusCalls(deliveryId);
  expect(calls.map((c) => [c.endpoint, c.outcome, c.outOfOrder ?? false, c.eventHeaders])).toEqual(
    calls.map((c) => [c.endpoint, 'accepted', false, true]),
  );
  const times = calls.map((c) => Date.parse(c.body.event_at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(new Set(times).size).toBe(times.length);
}

beforeAll(async () => {
  stack = await startTestStack({
    engine: { webhook: { initialDelayMs: 20, maxDelayMs: 200 } },
    abbiamo: { carrierKey: CARRIER_KEY },
    env: { MARKETPLACE_CARRIER_KEY: CARRIER_KEY, MARKETPLACE_CONFIRMATION_TIMEOUT_MS: String(CONFIRMATION_TIMEOUT_MS) },
  });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.engine.resetFaults();
  stack.abbiamo.resetFaults();
  stack.abbiamo.setConfirmationTimeout(30 * 60_000);
});

describe('POST /marketplace/events: DELIVERY_REQUEST confirmed and reported at Abbiamo', () => {
  it("confirms Abbiamo's first example as soon as the job exists, then reports a full life, each call with the event's headers and our key", async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    const serviceId = abbiamoServiceId(deliveryId);

    const sent = await stack.abbiamo.sendDeliveryRequest(event);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      event_type: 'DELIVERY_REQUEST',
      accepted: [{ delivery_id: deliveryId, serviceId, workflow: 'running' }],
      route: null,
    });

    // The engine got the mapped job: every requirement of the seller reaches the driver.
    const job = await jobOf(deliveryId);
    expect(job).toMatchObject({
      client_reference: abbiamoServiceId(deliveryId),
      recipient: { name: 'Machado de Assis', phone_number: '+55911111111' },
      payment_info: { currency_code: 'BRL', payment: { method: 'CARD_ON_DELIVERY', value: 69.09 } },
      round_trip_info: { enabled: true },
    });
    expect(job.job_comment).toContain('pegar maquina com Walmir no caixa');

    await hasEndpoint(deliveryId, 'confirmed');
    expect(accepted(deliveryId)[0]!.body).toMatchObject({
      delivery_id: deliveryId,
      external_id: job.id,
      // The carrier's rate card, in cents (Instaleap prices nothing).
      price: (await stack.call('GET', `/deliveries/${abbiamoServiceId(deliveryId)}`)).body.job.priceCents,
      pickup_eta: expect.any(String),
      destination_eta: expect.any(String),
    });
    expect(stack.abbiamo.delivery(deliveryId)).toMatchObject({ status: 'DISPATCHED', externalId: job.id });

    stack.engine.play(job.id, 'happy', STEP_MS);
    await hasEndpoint(deliveryId, 'successful');
    expect(endpointsOf(deliveryId)).toEqual([
      'confirmed',
      'handling:DRIVER_ASSIGNED',
      'collecting-delivery',
      'at-pickup-point',
      'start-delivery',
      'successful',
    ]);
    expectCleanCalls(deliveryId);
    const engineEvents = stack.engine.events(job.id);
    const allocated = engineEvents.find((e) => e.type === 'ALLOCATED')!;
    const courier = allocated.job.tasks.find((t) => t.type === 'DELIVERY')!.resource as {
      name: string;
      phone_number: string;
    };
    expect(accepted(deliveryId)[1]!.body).toMatchObject({
      driver_name: courier.name,
      driver_phone: courier.phone_number,
      event_at: new Date(allocated.created_at).toISOString(),
    });
    expect(stack.abbiamo.delivery(deliveryId)).toMatchObject({
      status: 'SUCCESSFUL',
      terminal: { endpoint: 'successful' },
    });
    expect((await resultOf(deliveryId)).status).toBe('DELIVERED');

    // Our key on every call, masked in the sandbox's record; the event's headers and our key nowhere in history.
    const calls = stack.abbiamo
      .calls({ method: 'POST', path: '^/v1/delivery/' })
      .filter((c) => (c.body as { delivery_id?: string } | null)?.delivery_id === deliveryId);
    expect(calls).toHaveLength(6);
    for (const call of calls) {
      expect(call.headers['x-abbiamo-carrier-key']).toBe('[masked]');
      expect(call.headers['x-carrier-key']).toBe(event.logistic_data.headers['X-Carrier-Key']);
    }
    const history = await historyText(stack.bridge.client, serviceId);
    expect(history).toContain(deliveryId); // the payloads are decoded: the checks below can fail
    expect(history).not.toContain(event.logistic_data.headers.Authorization.slice('Bearer '.length));
    expect(history).not.toContain(event.logistic_data.headers['X-Carrier-Key']);
    expect(history).not.toContain(CARRIER_KEY);
    await recordHistory(stack.bridge.client, serviceId, 'abbiamo-delivered');
  });

  it('makes the pickup code when the carrier owns it: on the job, in the confirmation and on the way to the pickup', async () => {
    const event = fresh(seedDeliveryRequest());
    event.logistic_data.pickup_verification = { pincode: true, pincode_owner: 'carrier' };
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    expect(job.pick_up_code).toMatch(/^\d{4}$/);
    await hasEndpoint(deliveryId, 'confirmed');
    stack.engine.play(job.id, ['ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN'], STEP_MS);
    await hasEndpoint(deliveryId, 'at-pickup-point');
    expect(accepted(deliveryId).map((c) => [c.endpoint, c.body.collect_verification_code ?? null])).toEqual([
      ['confirmed', job.pick_up_code],
      ['handling', null],
      ['collecting-delivery', job.pick_up_code],
      ['at-pickup-point', null],
    ]);
    expect(stack.abbiamo.delivery(deliveryId)!.collectVerificationCode).toBe(job.pick_up_code);

    // The same event again (a retry of Abbiamo's) gives the same code: it is derived, not drawn.
    const again = fresh(seedDeliveryRequest());
    again.deliveries[0].delivery_id = deliveryId;
    again.logistic_data.pickup_verification = { pincode: true, pincode_owner: 'carrier' };
    expect((await stack.call('POST', '/marketplace/events', again)).status).toBe(202);
    expect(jobPosts([deliveryId])).toHaveLength(1);
  });

  it('a second attempt: start-delivery → failed-to-deliver → start-delivery → successful', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');
    // Refused at the door, a new date, then delivered.
    const toPickup = SCENARIOS.happy.slice(0, SCENARIOS.happy.indexOf('GOING_TO_DESTINATION_STARTED'));
    stack.engine.play(
      job.id,
      [
        ...toPickup,
        'GOING_TO_DESTINATION_STARTED',
        'REFUSED',
        'RESCHEDULED',
        'GOING_TO_DESTINATION_STARTED',
        'CLIENT_RECEIVED',
      ],
      STEP_MS,
    );
    await hasEndpoint(deliveryId, 'successful');
    expect(endpointsOf(deliveryId)).toEqual([
      'confirmed',
      'handling:DRIVER_ASSIGNED',
      'collecting-delivery',
      'at-pickup-point',
      'start-delivery',
      'failed-to-deliver:delivery-refused',
      'handling:RESCHEDULED',
      'start-delivery',
      'successful',
    ]);
    expect(accepted(deliveryId)[5]!.body.reason).toBe('Delivery attempt failed');
    expectCleanCalls(deliveryId);
  });

  it('a return: start-delivery → failed-to-deliver → returning → returned', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');
    // Instaleap has no return event: the carrier's staff say so, through an operator's force-status.
    stack.engine.play(job.id, 'refused', STEP_MS);
    await hasEndpoint(deliveryId, 'failed-to-deliver');
    await forceStatus(stack, abbiamoServiceId(deliveryId), 'RETURNED', 'Nobody home: back at the seller');
    await hasEndpoint(deliveryId, 'returned');
    expect(endpointsOf(deliveryId).slice(4)).toEqual([
      'start-delivery',
      'failed-to-deliver:delivery-refused',
      'returning',
      'returned',
    ]);
    expectCleanCalls(deliveryId);
    expect(stack.abbiamo.delivery(deliveryId)).toMatchObject({ status: 'RETURNED' });
    expect((await resultOf(deliveryId)).status).toBe('RETURNED');
  });

  it("takes Abbiamo's route example: routeId on every delivery, and GET /routes/:routeId lists them", async () => {
    const event = fresh(seedRouteDeliveryRequest(), 2);
    const [first, second] = idsOf(event) as [string, string];
    const sent = await stack.abbiamo.sendDeliveryRequest(event);
    expect(sent.status).toBe(202);
    expect((sent.body as { route: unknown }).route).toEqual({ id: event.route_id, name: 'GPT-2LkRo' });
    await jobOf(first);
    await hasEndpoint(second, 'confirmed');
    await waitFor(
      async () =>
        (await stack.bridge.client.workflow.getHandle(abbiamoServiceId(first)).describe()).typedSearchAttributes.get(
          RouteIdKey,
        ) === event.route_id,
      { what: 'RouteId' },
    );
    const listing = await waitFor(
      async () => {
        const response = await stack.call('GET', `/routes/${event.route_id}`);
        return response.status === 200 && response.body.count === 2 ? response.body : undefined;
      },
      { what: 'the route listing with both deliveries' },
    );
    expect(listing).toMatchObject({ routeId: event.route_id, routeName: 'GPT-2LkRo', count: 2 });
  });

  it('a delivery_id equal to a VTEX order id is another delivery: its own job, its own events', async () => {
    // A VTEX order first, then an Abbiamo delivery with the very same id.
    const shared = `SHARED-${randomUUID()}`;
    const body = createServiceBody({ orderId: shared });
    expect((await stack.vtex.createService(body)).status).toBe(200);
    const vtexJob = await waitFor(() => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, shared))[0], {
      what: 'the VTEX job',
    });
    const event = fresh(seedDeliveryRequest());
    event.deliveries[0].delivery_id = shared;
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const job = await jobOf(shared);
    expect(job.id).not.toBe(vtexJob.id);
    await hasEndpoint(shared, 'confirmed');

    // The engine's events for the Abbiamo job reach the Abbiamo delivery only.
    stack.engine.emit(job.id, 'ALLOCATED', withDriver({ id: 'r-9', name: 'Rita' }));
    await stack.engine.idle();
    await hasEndpoint(shared, 'handling');
    expect((await stateOf(shared)).status).toBe('ASSIGNED');
    const vtexView = await stack.bridge.client.workflow
      .getHandle(vtexServiceId(body.carrierId, shared))
      .query(deliveryStateQuery);
    expect(vtexView.status).toBe('PENDING');
    expect(vtexView.job?.jobId).toBe(vtexJob.id);
  });

  it('starts one workflow and one job per delivery, and nothing new for the same event twice', async () => {
    const event = fresh(seedDeliveryRequest(), 3);
    const ids = idsOf(event);
    const first = await stack.abbiamo.sendDeliveryRequest(event);
    expect(first.status).toBe(202);
    for (const id of ids) await hasEndpoint(id, 'confirmed');
    const jobs = await Promise.all(ids.map(jobOf));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(3);

    const again = await stack.call('POST', '/marketplace/events', event);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(jobPosts(ids)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) expect(endpointsOf(id)).toEqual(['confirmed']);
  });

  it("reports an operator's cancel as canceled, so the seller knows", async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    const serviceId = abbiamoServiceId(deliveryId);
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');

    const out: string[] = [];
    const connect = () => testTemporalClient();
    const code = await runDeliveryCli(['cancel', serviceId, '--reason', 'Operator: address unreachable'], connect, {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(0);
    await hasEndpoint(deliveryId, 'canceled');
    expect(accepted(deliveryId)[1]).toMatchObject({
      endpoint: 'canceled',
      body: { sub_status: 'CARRIER_CANCELED', reason: 'Operator: address unreachable' },
    });
    await waitFor(() => stack.engine.job(job.id)?.state === 'CANCELLED', { what: 'the job canceled' });
  });

  it('a job the engine refuses to create is reported as canceled CARRIER_UNAVAILABLE, with the reason for the seller', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [400], pathPattern: '^/jobs$' });
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    await hasEndpoint(deliveryId, 'canceled');
    expect(accepted(deliveryId).map((c) => c.body)).toEqual([
      expect.objectContaining({
        sub_status: 'CARRIER_UNAVAILABLE',
        reason: expect.stringMatching(
          /^The carrier could not schedule the delivery: the Delivery Engine refused the job/,
        ),
      }),
    ]);
    expect(stack.abbiamo.delivery(deliveryId)).toMatchObject({
      status: 'ORDER_FAILED',
      subStatus: 'CARRIER_CANCELED',
    });
    await recordHistory(stack.bridge.client, abbiamoServiceId(deliveryId), 'abbiamo-creation-failed');
  });

  it('the engine down: creation gives up at 5/6 of the confirmation timeout and Abbiamo hears it before its own timeout', async () => {
    stack.abbiamo.setConfirmationTimeout(CONFIRMATION_TIMEOUT_MS + 8000);
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs' });
    const sentAt = Date.now();
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    await hasEndpoint(deliveryId, 'canceled', 25_000);
    const canceled = accepted(deliveryId)[0]!;
    expect(canceled.body).toMatchObject({ sub_status: 'CARRIER_UNAVAILABLE' });
    expect(Date.parse(canceled.receivedAt) - sentAt).toBeGreaterThanOrEqual((CONFIRMATION_TIMEOUT_MS * 5) / 6 - 100);
    stack.engine.resetFaults();
    // Abbiamo's timer finds the delivery ended: no CARRIER_TIMEOUT follows.
    expect(stack.abbiamo.delivery(deliveryId)!.cancellations).toEqual([]);
  }, 40_000);
});

describe('POST /marketplace/events: CANCELLATION_REQUEST', () => {
  it('a seller cancellation before collection cancels the engine job; Abbiamo is not told what it knows', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');
    stack.engine.play(job.id, ['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED'], STEP_MS);
    await hasEndpoint(deliveryId, 'collecting-delivery');

    const answer = await stack.abbiamo.cancelDelivery(deliveryId);
    expect(answer).toMatchObject({
      status: 202,
      body: { event_type: 'CANCELLATION_REQUEST', delivery_id: deliveryId, outcome: 'cancel-sent' },
    });
    await waitFor(() => stack.engine.job(job.id)?.state === 'CANCELLED', { what: 'the job canceled' });
    const view = await resultOf(deliveryId);
    expect(view.status).toBe('CANCELED');
    expect(endpointsOf(deliveryId)).toEqual(['confirmed', 'handling:DRIVER_ASSIGNED', 'collecting-delivery']);
    expect(stack.abbiamo.delivery(deliveryId)).toMatchObject({
      status: 'ORDER_FAILED',
      subStatus: 'SELLER_CANCELED',
    });
  });

  // Needs the workflow's CancelOrder.onlyBeforeCollection (the lead's change): passes once merged.
  it('status calls still waiting when the seller cancels are dropped, not sent after the cancel', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');
    // Abbiamo answers its status endpoints slowly: the driver's steps queue up behind the first.
    stack.abbiamo.setFaults({ latencyMs: 1500, pathPattern: '^/v1/delivery/' });
    stack.engine.play(job.id, ['ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN'], STEP_MS);
    await waitFor(async () => (await stateOf(deliveryId)).pendingReports >= 2 || undefined, {
      what: 'status calls waiting',
    });
    const answer = await stack.abbiamo.cancelDelivery(deliveryId);
    expect(answer).toMatchObject({ status: 202 });
    const view = await resultOf(deliveryId);
    stack.abbiamo.resetFaults();
    expect(view.status).toBe('CANCELED');
    expect(view.timeline.some((t) => /waiting status report\(s\) dropped: the platform canceled/.test(t.message))).toBe(
      true,
    );
    // Nothing reached Abbiamo after its own cancel, so nothing was refused as after the terminal status.
    const calls = stack.abbiamo.statusCalls(deliveryId);
    expect(calls.filter((c) => c.outcome !== 'accepted')).toEqual([]);
  });

  it('a seller cancellation after collection is recorded and flagged; the driver with the parcel goes on', async () => {
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    await hasEndpoint(deliveryId, 'confirmed');
    stack.engine.play(
      job.id,
      ['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN', 'PICKING_FINISHED', 'CHECKED_OUT'],
      STEP_MS,
    );
    await waitFor(async () => (await stateOf(deliveryId)).status === 'PICKED', { what: 'PICKED' });

    // Abbiamo still shows the pickup point (collection shows as start-delivery): it lets the seller cancel.
    const answer = await stack.abbiamo.cancelDelivery(deliveryId);
    expect(answer).toMatchObject({ status: 202 });
    const flagged = await waitFor(
      async () => {
        const state = await stateOf(deliveryId);
        return state.needsAttention ? state : undefined;
      },
      { what: 'the delivery flagged', timeoutMs: 10_000 },
    );
    expect(flagged.status).toBe('PICKED');
    expect(stack.engine.job(job.id)?.state).not.toBe('CANCELLED');
  });

  it('a CARRIER_TIMEOUT while the engine is down stops creation: the delivery ends canceled, no job, nothing reported', async () => {
    stack.abbiamo.setConfirmationTimeout(1500);
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs' });
    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const cancellation = await waitFor(() => stack.abbiamo.delivery(deliveryId)!.cancellations[0], {
      what: 'the CARRIER_TIMEOUT sent',
    });
    expect(cancellation).toMatchObject({
      subStatus: 'CARRIER_TIMEOUT',
      answer: { status: 202, body: { outcome: 'cancel-sent' } },
    });
    const view = await resultOf(deliveryId);
    expect(view.status).toBe('CANCELED');
    stack.engine.resetFaults();
    expect(stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0]).toBeUndefined();
    expect(stack.abbiamo.statusCalls(deliveryId)).toEqual([]);
  });

  it('acknowledges with 202 a cancellation for an unknown or ended delivery', async () => {
    const unknown = await stack.call('POST', '/marketplace/events', {
      event_type: 'CANCELLATION_REQUEST',
      delivery_id: randomUUID(),
      status: 'ORDER_FAILED',
      sub_status: 'SELLER_CANCELED',
      timestamp: Date.now(),
      event_at: new Date().toISOString(),
    });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toMatchObject({ outcome: 'unknown-delivery' });

    const event = fresh(seedDeliveryRequest());
    const [deliveryId] = idsOf(event) as [string];
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await jobOf(deliveryId);
    stack.engine.play(job.id, 'happy', STEP_MS);
    await hasEndpoint(deliveryId, 'successful');
    await resultOf(deliveryId);
    const late = await stack.call('POST', '/marketplace/events', {
      event_type: 'CANCELLATION_REQUEST',
      delivery_id: deliveryId,
      sub_status: 'SELLER_CANCELED',
    });
    expect(late.status).toBe(202);
    expect(late.body).toMatchObject({ outcome: 'already-ended' });
  });

  it('refuses a malformed cancellation with the field path', async () => {
    const response = await stack.call('POST', '/marketplace/events', {
      event_type: 'CANCELLATION_REQUEST',
      delivery_id: 'has spaces',
      sub_status: 'BORED',
    });
    expect(response.status).toBe(400);
    expect(response.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['delivery_id', 'sub_status']);
  });
});

describe('refuses what cannot be taken with abbiamo_error (what the seller must fix), starting nothing', () => {
  async function expectNothingStarted(ids: string[]): Promise<void> {
    for (const id of ids) expect(await workflowExists(stack, abbiamoServiceId(id))).toBe(false);
    expect(jobPosts(ids)).toEqual([]);
  }

  it('400 with the path when one delivery of three cannot be mapped (a negative weight)', async () => {
    const event = fresh(seedDeliveryRequest(), 3);
    event.deliveries[1].volumes[0].weight = -5;
    const response = await stack.call('POST', '/marketplace/events', event);
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'deliveries.1.volumes.0.weight', message: 'must not be negative' }]);
    expect(response.body.abbiamo_error).toBe(
      'The request cannot be delivered as sent: deliveries.1.volumes.0.weight: must not be negative',
    );
    await expectNothingStarted(idsOf(event));
  });

  it('400 with every schema path in abbiamo_error: a missing customer name, an unsendable header, a route without route_id', async () => {
    const event = fresh(seedRouteDeliveryRequest(), 3);
    delete event.deliveries[2].customer.name;
    event.logistic_data.headers['Bad Header'] = 'x';
    event.route_id = null;
    const response = await stack.call('POST', '/marketplace/events', event);
    expect(response.status).toBe(400);
    const paths = ['deliveries.2.customer.name', 'logistic_data.headers.Bad Header', 'route_id'];
    expect(response.body.details.map((d: { path: string }) => d.path).sort()).toEqual(paths);
    for (const path of paths) expect(response.body.abbiamo_error).toContain(`${path}: `);
    await expectNothingStarted(idsOf(event));
  });

  it('400 for fields over their bounds, 400 for invalid JSON, 401 without the token: each with abbiamo_error', async () => {
    const event = fresh(seedDeliveryRequest());
    event.deliveries[0].order_number = 'x'.repeat(500);
    event.deliveries[0].destination_address.latitude = 123;
    const bounded = await stack.call('POST', '/marketplace/events', event);
    expect(bounded.status).toBe(400);
    expect(bounded.body.abbiamo_error).toContain('deliveries.0.order_number: must be at most 128 characters');
    expect(bounded.body.abbiamo_error).toContain('deliveries.0.destination_address.latitude: must be -90 to 90');

    const invalid = await stack.call('POST', '/marketplace/events', '{"event_type": "DELIVERY_REQUEST",');
    expect(invalid.status).toBe(400);
    expect(invalid.body.abbiamo_error).toMatch(/^The body is not valid JSON/);
    const noType = await stack.call('POST', '/marketplace/events', { deliveries: [] });
    expect(noType.body.details).toEqual([{ path: 'event_type', message: expect.any(String) }]);
    const unauthorized = await stack.call('POST', '/marketplace/events', event, { authorization: 'Bearer wrong' });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.abbiamo_error).toEqual(expect.any(String));
    await expectNothingStarted(idsOf(event));
  });

  it('the sandbox shows the seller the abbiamo_error of a refused request', async () => {
    const event = fresh(seedDeliveryRequest());
    event.deliveries[0].volumes = [];
    const [deliveryId] = idsOf(event) as [string];
    const sent = await stack.abbiamo.sendDeliveryRequest(event);
    expect(sent.status).toBe(400);
    expect(stack.abbiamo.delivery(deliveryId)!.refused).toContain('deliveries.0.volumes');
  });

  it('acknowledges an event_type it does not handle with 202 and starts nothing', async () => {
    const event = { ...fresh(seedDeliveryRequest()), event_type: 'DELIVERY_UPDATE' };
    const response = await stack.call('POST', '/marketplace/events', event);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ event_type: 'DELIVERY_UPDATE', ignored: true, accepted: [] });
    await expectNothingStarted(idsOf(event));
  });
});
