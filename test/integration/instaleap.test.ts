/**
 * The bridge as Instaleap's API client, through the real stack: the account's webhook taken only
 * with Instaleap's signature and the job's own key, the slot chosen by the delivery's window and
 * checked before the job is created, and a create whose answer was lost leaving one live job.
 */
import { signatureFor, webhookKeyFor } from '../../contracts/webhookKey';
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody, createVtexDelivery, emit } from '../support/deliveries';
import { TEST_ENGINE_WEBHOOK_SECRET, TEST_STORE_REFERENCE, useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();

/** POST /delivery-engine/webhooks as Instaleap would, with the headers given. */
async function postWebhook(body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${stack.apiUrl}/delivery-engine/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const signed = (event: { id: string; created_at: string; type: string }) => ({
  'instaleap-signature': signatureFor(TEST_ENGINE_WEBHOOK_SECRET, event),
});

async function timelineOf(serviceId: string): Promise<Array<{ message: string; eventId?: string }>> {
  const { body } = await stack.call('GET', `/deliveries/${serviceId}`);
  return body.timeline ?? [];
}

describe("Instaleap's webhook", () => {
  it('takes a signed event whose job carries the delivery key, and refuses the rest with 401, starting nothing', async () => {
    const [a, b] = await Promise.all([createVtexDelivery(stack), createVtexDelivery(stack)]);
    const jobA = stack.engine.job(a!.jobId)!;
    const jobB = stack.engine.job(b!.jobId)!;
    const event = { id: `evt-${a!.jobId}`, type: 'ALLOCATED', created_at: new Date().toISOString(), job: jobA };

    const taken = await postWebhook(event, signed(event));
    expect(taken).toEqual({ status: 200, body: { received: event.id, serviceId: a!.serviceId, outcome: 'accepted' } });

    const wrong = { ...event, id: `${event.id}-wrong` };
    const refusals = [
      // no signature at all
      await postWebhook(wrong, {}),
      // a signature of another event, or with another secret
      await postWebhook(wrong, signed(event)),
      await postWebhook(wrong, { 'instaleap-signature': signatureFor('another-secret', wrong) }),
      // A's genuine signature carried onto B's job: B's job but A's key (the signature does not cover the job)
      await postWebhook({ ...wrong, job: { ...jobB, external_data: jobA.external_data } }, signed(wrong)),
      // B's job whole with A's signed fields, the key of B's job forged from another secret
      await postWebhook(
        {
          ...wrong,
          job: { ...jobB, external_data: { webhook: { key: webhookKeyFor('guess', b!.serviceId, b!.serviceId) } } },
        },
        signed(wrong),
      ),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(refusals[0]!.body.details).toEqual([{ path: 'headers.instaleap-signature', message: 'is required' }]);
    expect(refusals[3]!.body.details[0].path).toBe('job.external_data.webhook.key');

    await waitFor(async () => (await timelineOf(a!.serviceId)).some((t) => t.eventId === event.id), {
      what: 'the signed event in the timeline',
    });
    // None of the refused ones reached a delivery, nor started a workflow of a stray job.
    for (const d of [a!, b!]) expect((await timelineOf(d.serviceId)).some((t) => t.eventId === wrong.id)).toBe(false);
    const strays = stack.bridge.client.workflow.list({ query: `WorkflowId = 'stray-job-${jobB.id}'` });
    for await (const _ of strays) throw new Error('a stray-job workflow was started by a refused event');
  });
});

describe('the slot', () => {
  it("is the earliest that fits the delivery's window, checked before the job is created on it", async () => {
    const day = new Date(Date.now() + 2 * 86_400_000);
    day.setUTCHours(14, 0, 0, 0);
    const initialDate = day.toISOString();
    const finalDate = new Date(day.getTime() + 4 * 3_600_000).toISOString();
    const body = createServiceBody();
    body.receiver.deliveryWindow = { initialDate, finalDate };
    const d = await createVtexDelivery(stack, { body });
    const job = stack.engine.job(d.jobId)!;
    expect(job).toMatchObject({ start_time: initialDate, end_time: new Date(day.getTime() + 3_600_000).toISOString() });

    const search = stack.engine.calls({ method: 'POST', path: '^/jobs/availability/v2$' }).at(-1)!;
    expect(search.body).toMatchObject({ start: initialDate, end: finalDate, store_reference: TEST_STORE_REFERENCE });
    expect(search.headers['x-api-key']).toBe('[masked]');
    expect(search.headers.authorization).toBeUndefined();
    // The chosen slot was checked, then the job created on it.
    const calls = stack.engine.calls().map((c) => `${c.method} ${c.path}`);
    const check = calls.lastIndexOf(`GET /jobs/availability/${job.slot_id}/check`);
    expect(check).toBeGreaterThan(-1);
    expect(calls.indexOf('POST /jobs', check)).toBeGreaterThan(check);
    // Priced by the rate card, in cents.
    const answer = await stack.call('GET', `/deliveries/${d.serviceId}`);
    expect(Number.isInteger(answer.body.job.priceCents)).toBe(true);
  });

  it('fails creation clearly when no slot fits the window, creating nothing', async () => {
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCHours(10, 10, 0, 0);
    const body = createServiceBody();
    // 40 minutes: no 60-minute slot fits whole.
    body.receiver.deliveryWindow = {
      initialDate: start.toISOString(),
      finalDate: new Date(start.getTime() + 40 * 60_000).toISOString(),
    };
    const created = await stack.vtex.createService(body);
    expect(created.status).toBe(200);
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    const view = await waitFor(
      async () => {
        const { body: v } = await stack.call('GET', `/deliveries/${serviceId}`);
        return v.lastError ? v : undefined;
      },
      { what: 'the creation failure' },
    );
    expect(view.lastError).toMatch(/No Delivery Engine slot fits the delivery window/);
    expect(stack.engine.jobsByClientReference(serviceId)).toEqual([]);
  });
});

describe('a create whose answer was lost', () => {
  it('leaves one live job: the second one made is the delivery, the first is canceled once the engine confirms it', async () => {
    stack.engine.setFaults({ lostAnswerRate: 1, pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    try {
      expect((await stack.vtex.createService(body)).status).toBe(200);
      await waitFor(() => stack.engine.jobsByClientReference(serviceId).length >= 1, {
        what: 'the first job',
        intervalMs: 20,
      });
    } finally {
      stack.engine.resetFaults();
    }
    const jobs = await waitFor(
      () => {
        const all = stack.engine.jobsByClientReference(serviceId);
        const live = all.filter((j) => j.state !== 'CANCELLED');
        return all.length >= 2 && live.length === 1 ? { all, live } : undefined;
      },
      { what: 'one live job', timeoutMs: 30_000 },
    );
    const { body: view } = await stack.call('GET', `/deliveries/${serviceId}`);
    expect(view.job.jobId).toBe(jobs.live[0]!.id);
    // Each stray was confirmed as this delivery's (GET /jobs/{id}) before its cancel.
    for (const stray of jobs.all.filter((j) => j.state === 'CANCELLED')) {
      const calls = stack.engine.calls({ path: `/jobs/${stray.id}` }).map((c) => c.method);
      expect(calls.indexOf('GET')).toBeGreaterThan(-1);
      expect(calls.indexOf('POST')).toBeGreaterThan(calls.indexOf('GET'));
    }
  });
});

describe('the job events the state machine reads', () => {
  it('takes the driver as a bare resource id too', async () => {
    const d = await createVtexDelivery(stack);
    const job = stack.engine.job(d.jobId)!;
    await emit(stack, d.jobId, 'ALLOCATED', {
      job: { tasks: job.tasks.map((t) => (t.type === 'DELIVERY' ? { ...t, resource: 'driver-42' } : t)) },
    });
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.agent?.id === 'driver-42', {
      what: 'the bare driver id at VTEX',
    });
  });
});
