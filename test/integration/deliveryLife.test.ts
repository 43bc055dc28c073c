/**
 * A delivery's whole life through the real stack: Instaleap's signed job events reach our webhook
 * over HTTP, the workflow turns each into VTEX tracking hook calls, checked against the VTEX
 * sandbox's record. Every Instaleap event type of docs/partners.md's table is either mapped or kept
 * in the timeline without a report.
 */
import { MAPPED_EVENT_TYPES, TIMELINE_EVENT_TYPES } from '../../contracts/jobEventTypes';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { createVtexDelivery, emit, finalView, vtexCallsOf, vtexLog } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

/** A text as VTEX holds it: ours, then the marker of the event that asked for it (docs/specification.md "Exactly once at VTEX"). */
const marked = (text: string) =>
  expect.stringMatching(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[ev:[0-9a-v]{10}\\]$`));

const stack = useTestStack();

/** The engine's happy scenario: every step after CREATED to the client's signature. */
const HAPPY = SCENARIOS.happy;

const driverOfTask = (job: { tasks: Array<{ type: string; resource: unknown }> }) =>
  job.tasks.find((t) => t.type === 'DELIVERY')!.resource as { id: string; name: string };

describe('a delivery life reported to VTEX', () => {
  it('reports a full happy life call by call: status, agent, proof of delivery, and ends DELIVERED', async () => {
    const d = await createVtexDelivery(stack);
    for (const type of HAPPY) await emit(stack, d.jobId, type);
    const view = await finalView(stack, d.serviceId);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false, pendingReports: 0 });

    expect(vtexLog(stack, d.serviceId)).toEqual([
      'PATCH PENDING', // the job's first state, 5 s after our answer
      'PATCH PENDING', // CREATED: the job's tracking page
      'PATCH ASSIGNED', // ALLOCATED with the driver and an eta
      'PATCH PICKED', // PICKING_FINISHED (CHECKING_OUT_STARTED, CHECKED_OUT: nothing new)
      'PATCH ON_ROUTE', // GOING_TO_DESTINATION_STARTED with the new eta
      'PATCH DELIVERED',
      'POST evidences', // the signature, from the job
    ]);
    const calls = vtexCallsOf(stack, d.serviceId);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    const events = stack.engine.events(d.jobId);
    const courier = driverOfTask(events.find((e) => e.type === 'ALLOCATED')!.job);
    const assigned = calls.find((c) => c.method === 'PATCH' && (c.body as { status?: string }).status === 'ASSIGNED')!;
    expect((assigned.body as { agent: unknown }).agent).toMatchObject({ id: courier.id, name: courier.name });
    const delivered = events.find((e) => e.type === 'CLIENT_RECEIVED')!;

    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.status).toBe('DELIVERED');
    expect(record.shippingFinishedDate).not.toBeNull();
    expect(record.trackingUrl).toBe(stack.engine.job(d.jobId)!.tracking_url);
    expect(record.evidences.map((e) => e.content)).toContain(delivered.job.evidences![0]!.content);
    await recordHistory(stack.bridge.client, d.serviceId, 'delivered-full-life');
  });

  it('maps REFUSED and TASK_RESET_* to INCIDENT with an ERROR note, CANCELLED to a carrier cancel', async () => {
    const [refused, reset, canceled] = await Promise.all([1, 2, 3].map(() => createVtexDelivery(stack)));
    await emit(stack, refused!.jobId, 'ALLOCATED');
    await emit(stack, refused!.jobId, 'REFUSED');
    await emit(stack, reset!.jobId, 'ALLOCATED');
    await emit(stack, reset!.jobId, 'TASK_RESET_DELIVERY');
    await emit(stack, canceled!.jobId, 'CANCELLED');

    await waitFor(() => stack.vtex.service(refused!.carrierId, refused!.serviceId)?.notes.length === 1, {
      what: 'the refusal note',
    });
    expect(stack.vtex.service(refused!.carrierId, refused!.serviceId)).toMatchObject({
      status: 'INCIDENT',
      notes: [{ type: 'ERROR', content: marked('Delivery refused') }],
    });
    await waitFor(() => stack.vtex.service(reset!.carrierId, reset!.serviceId)?.notes.length === 1, {
      what: 'the task reset note',
    });
    expect(stack.vtex.service(reset!.carrierId, reset!.serviceId)).toMatchObject({
      status: 'INCIDENT',
      notes: [{ type: 'ERROR', content: marked('Task started over (TASK_RESET_DELIVERY)') }],
    });

    expect((await finalView(stack, canceled!.serviceId)).status).toBe('CANCELED');
    const cancel = vtexCallsOf(stack, canceled!.serviceId).find((c) => c.path.includes('/cancel/'))!;
    expect(cancel.body).toEqual({ type: 'NO_THERE_DELIVERY_MAN_ASSIGN' });
    expect(stack.vtex.service(canceled!.carrierId, canceled!.serviceId)!.status).toBe('CANCELED');
  });

  it("reports a RESCHEDULED job's new end_time as the estimated date, with a COMMENT note", async () => {
    const d = await createVtexDelivery(stack);
    const event = await emit(stack, d.jobId, 'RESCHEDULED');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.notes.length === 1, {
      what: 'the reschedule note',
    });
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    const newEnd = new Date(event.job.end_time).toISOString();
    expect(record.shippingEstimatedDate).toBe(newEnd);
    expect(record.notes[0]).toMatchObject({ type: 'COMMENT', content: marked(`Delivery rescheduled to ${newEnd}`) });
  });

  it('keeps every other Instaleap event type in the timeline without a report', async () => {
    const d = await createVtexDelivery(stack);
    await waitFor(() => vtexLog(stack, d.serviceId).length === 2, { what: 'the first report and CREATED' });
    const before = vtexCallsOf(stack, d.serviceId).filter((c) => c.method !== 'GET').length;
    const others = [...TIMELINE_EVENT_TYPES, 'SOMETHING_NEW'];
    for (const type of others) await emit(stack, d.jobId, type);
    await waitFor(
      async () => {
        const { body } = await stack.call('GET', `/deliveries/${d.serviceId}`);
        const timeline: Array<{ kind: string; message: string }> = body?.timeline ?? [];
        return others.every((t) => timeline.some((e) => e.kind === 'event' && e.message === t));
      },
      { what: 'every event in the timeline' },
    );
    // No driver yet: none of them says anything VTEX does not know.
    expect(vtexCallsOf(stack, d.serviceId).filter((c) => c.method !== 'GET')).toHaveLength(before);
    // The table's types and the timeline's do not overlap.
    expect(MAPPED_EVENT_TYPES.filter((t) => (TIMELINE_EVENT_TYPES as readonly string[]).includes(t))).toEqual([]);
  });

  it('drops duplicated events: every event sent twice, every VTEX call made once', async () => {
    const d = await createVtexDelivery(stack);
    stack.engine.setWebhookBehaviour({ duplicateRate: 1 });
    try {
      for (const type of HAPPY) await emit(stack, d.jobId, type);
    } finally {
      stack.engine.setWebhookBehaviour({ duplicateRate: 0 });
    }
    await finalView(stack, d.serviceId);
    const delivered = stack.engine
      .deliveries({ jobId: d.jobId })
      .filter((a) => a.status === 200 && a.type !== 'CREATED');
    expect(delivered.length).toBe(HAPPY.length * 2);
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.status).toBe('DELIVERED');
    expect(record.evidences).toHaveLength(1);
    expect(vtexLog(stack, d.serviceId).filter((l) => l === 'PATCH DELIVERED')).toHaveLength(1);
  });

  it('never moves a delivery backwards when events come out of order, and keeps their details', async () => {
    const d = await createVtexDelivery(stack);
    stack.engine.setWebhookBehaviour({ reorder: true });
    try {
      // Sent in pairs swapped: PICKING_FINISHED before ALLOCATED, CLIENT_RECEIVED before ON_ROUTE.
      stack.engine.emit(d.jobId, 'ALLOCATED');
      stack.engine.emit(d.jobId, 'PICKING_FINISHED');
      stack.engine.emit(d.jobId, 'GOING_TO_DESTINATION_STARTED');
      stack.engine.emit(d.jobId, 'CLIENT_RECEIVED');
      await stack.engine.idle();
    } finally {
      stack.engine.setWebhookBehaviour({ reorder: false });
    }
    const order = stack.engine
      .deliveries({ jobId: d.jobId })
      .filter((a) => a.status === 200 && a.type !== 'CREATED')
      .map((a) => a.type);
    expect(order).toEqual(['PICKING_FINISHED', 'ALLOCATED', 'CLIENT_RECEIVED', 'GOING_TO_DESTINATION_STARTED']);
    const view = await finalView(stack, d.serviceId);
    expect(view.status).toBe('DELIVERED');
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.status).toBe('DELIVERED');
    expect(record.agent?.id).toBe(driverOfTask(stack.engine.job(d.jobId)!).id);
    expect(view.timeline.map((t) => t.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GOING_TO_DESTINATION_STARTED after the delivery ended DELIVERED/),
      ]),
    );
  });
});
