/**
 * A delivery's whole life through the real stack: engine job events reach our webhook over HTTP,
 * the workflow turns each into VTEX tracking hook calls, checked against the VTEX sandbox's record.
 */
import { MAX_INLINE_LABEL_BYTES } from '../../contracts/vtexLimits';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { recordHistory } from '../support/histories';
import { createVtexDelivery, emit, finalView, vtexCallsOf, vtexLog } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { withoutMarker } from '../../activities/vtex';

/** A text as VTEX holds it: ours, then the marker of the event that asked for it (docs/specification.md "Exactly once at VTEX"). */
const marked = (text: string) =>
  expect.stringMatching(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[ev:[0-9a-v]{10}\\]$`));

/** Ids of the labels VTEX holds besides the packages' own (`{serviceId}-{n}-pdf|zpl`, docs/labels.md). */
const engineLabels = (labels: Array<{ id: string }>, serviceId: string) =>
  labels.map((l) => l.id).filter((id) => !id.startsWith(`${serviceId}-`));

const stack = useTestStack();

/** The engine's happy scenario: every step from job creation to the client's signature. */
const HAPPY = SCENARIOS.happy;

describe('a delivery life reported to VTEX', () => {
  it('reports a full happy life call by call: status, agent, label, evidences, notes, and ends DELIVERED', async () => {
    const d = await createVtexDelivery(stack);
    for (const type of HAPPY) await emit(stack, d.jobId, type);
    const view = await finalView(stack, d.serviceId);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false, pendingReports: 0 });

    expect(vtexLog(stack, d.serviceId)).toEqual([
      'PATCH PENDING', // the job's first state, 5 s after our answer
      'POST labels', // CREATED carries the shipping label
      'PATCH ASSIGNED', // ALLOCATED with the driver
      'PATCH PICKED',
      'POST evidences', // CHECKED_OUT: proof of pickup
      'PATCH ON_ROUTE', // with eta and distance
      'PATCH DELIVERED',
      'POST evidences', // the signature
      'POST notes',
    ]);
    const calls = vtexCallsOf(stack, d.serviceId);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    const events = stack.engine.events(d.jobId);
    const allocated = events.find((e) => e.type === 'ALLOCATED')!;
    const assigned = calls.find((c) => c.method === 'PATCH' && (c.body as { status?: string }).status === 'ASSIGNED')!;
    expect((assigned.body as { agent: unknown }).agent).toMatchObject({
      id: allocated.resource!.id,
      name: allocated.resource!.name,
    });
    const delivered = events.find((e) => e.type === 'CLIENT_RECEIVED')!;

    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.status).toBe('DELIVERED');
    expect(record.shippingFinishedDate).not.toBeNull();
    expect(record.evidences.map((e) => e.content)).toContain(delivered.evidences![0]!.content);
    expect(record.notes.map((n) => withoutMarker(n.content))).toContain(delivered.notes![0]!.note);
    expect(engineLabels(record.labels, d.serviceId)).toEqual([`label-${d.jobId}`]);
    expect(record.rating).toBe(5);
    // One token for the whole life.
    expect(stack.vtex.calls({ method: 'POST', path: '^/token$' }).length).toBeGreaterThanOrEqual(1);
    await recordHistory(stack.bridge.client, d.serviceId, 'delivered-full-life');
  });

  it('reaches INCIDENT, ON_HOLD, RETURNED and a carrier cancel as VTEX wants each', async () => {
    const [incident, onHold, returned, canceled, refused] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => createVtexDelivery(stack)),
    );

    await emit(stack, incident!.jobId, 'ALLOCATED');
    await emit(stack, incident!.jobId, 'INCIDENT', { reason: 'Flat tyre' });
    await emit(stack, onHold!.jobId, 'ON_HOLD', { reason: 'Store closed until 14:00' });
    await emit(stack, returned!.jobId, 'ALLOCATED');
    await emit(stack, returned!.jobId, 'RETURNED', { reason: 'Nobody home' });
    await emit(stack, canceled!.jobId, 'CANCELLED', { reason: 'No courier available' });
    await emit(stack, refused!.jobId, 'ALLOCATED');
    await emit(stack, refused!.jobId, 'REFUSED', { reason: 'Client refused the parcel' });

    await waitFor(() => stack.vtex.service(incident!.carrierId, incident!.serviceId)?.notes.length === 1, {
      what: 'the incident note',
    });
    expect(vtexLog(stack, incident!.serviceId)).toEqual([
      'PATCH PENDING',
      'PATCH ASSIGNED',
      'PATCH INCIDENT',
      'POST notes',
    ]);
    expect(stack.vtex.service(incident!.carrierId, incident!.serviceId)!.notes[0]).toMatchObject({
      type: 'ERROR',
      content: marked('Incident: Flat tyre'),
    });

    await waitFor(() => stack.vtex.service(onHold!.carrierId, onHold!.serviceId)?.status === 'ON_HOLD', {
      what: 'ON_HOLD',
    });
    const hold = vtexCallsOf(stack, onHold!.serviceId).find((c) => c.path.includes('/on-hold/'))!;
    expect(hold.body).toEqual({ type: 'OTHER', comment: marked('Store closed until 14:00') });

    expect((await finalView(stack, returned!.serviceId)).status).toBe('RETURNED');
    expect(vtexLog(stack, returned!.serviceId)).toEqual(['PATCH PENDING', 'PATCH ASSIGNED', 'PATCH RETURNED']);

    expect((await finalView(stack, canceled!.serviceId)).status).toBe('CANCELED');
    const cancel = vtexCallsOf(stack, canceled!.serviceId).find((c) => c.path.includes('/cancel/'))!;
    expect(cancel.body).toEqual({ type: 'NO_THERE_DELIVERY_MAN_ASSIGN', comment: 'No courier available' });
    expect(stack.vtex.service(canceled!.carrierId, canceled!.serviceId)!.status).toBe('CANCELED');

    await waitFor(() => stack.vtex.service(refused!.carrierId, refused!.serviceId)?.notes.length === 1, {
      what: 'the refusal note',
    });
    expect(stack.vtex.service(refused!.carrierId, refused!.serviceId)).toMatchObject({
      status: 'INCIDENT',
      notes: [{ type: 'ERROR', content: marked('Delivery refused: Client refused the parcel') }],
    });
  });

  it('reports a reschedule as a new estimated date and a COMMENT note', async () => {
    const d = await createVtexDelivery(stack);
    const event = await emit(stack, d.jobId, 'RESCHEDULED', { reason: 'Client asked for tomorrow' });
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.notes.length === 1, {
      what: 'the reschedule note',
    });
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.shippingEstimatedDate).toBe(new Date(event.eta!).toISOString());
    expect(record.notes[0]).toMatchObject({
      type: 'COMMENT',
      content: marked(`Delivery rescheduled to ${new Date(event.eta!).toISOString()}: Client asked for tomorrow`),
    });
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
    const delivered = stack.engine.deliveries({ jobId: d.jobId }).filter((a) => a.status === 200);
    expect(delivered.length).toBe(HAPPY.length * 2);
    expect(vtexLog(stack, d.serviceId)).toEqual([
      'PATCH PENDING',
      'POST labels',
      'PATCH ASSIGNED',
      'PATCH PICKED',
      'POST evidences',
      'PATCH ON_ROUTE',
      'PATCH DELIVERED',
      'POST evidences',
      'POST notes',
    ]);
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.notes).toHaveLength(1);
    expect(record.evidences).toHaveLength(2);
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
      .filter((a) => a.status === 200)
      .map((a) => a.type);
    expect(order).toEqual(['PICKING_FINISHED', 'ALLOCATED', 'CLIENT_RECEIVED', 'GOING_TO_DESTINATION_STARTED']);
    const view = await finalView(stack, d.serviceId);
    expect(view.status).toBe('DELIVERED');
    const statuses = vtexCallsOf(stack, d.serviceId)
      .filter((c) => c.method === 'PATCH')
      .map((c) => (c.body as { status: string }).status);
    // The late ALLOCATED brings its driver under PICKED; the late ON_ROUTE after DELIVERED changes nothing.
    expect(statuses).toEqual(['PENDING', 'PICKED', 'PICKED', 'DELIVERED']);
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(record.status).toBe('DELIVERED');
    expect(record.agent?.id).toBe(stack.engine.events(d.jobId).find((e) => e.type === 'ALLOCATED')!.resource!.id);
    expect(view.timeline.map((t) => t.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GOING_TO_DESTINATION_STARTED after the delivery ended DELIVERED/),
      ]),
    );
  });

  it('does not send a BASE64 label over 180 KB, and says why in an ERROR note', async () => {
    const d = await createVtexDelivery(stack);
    const big = { id: 'BIG-1', url: 'A'.repeat(MAX_INLINE_LABEL_BYTES + 10), name: 'Etiqueta grande', type: 'BASE64' };
    const small = { id: 'SMALL-1', url: 'XlhBfEZTMA==', name: 'Etiqueta ZPL', type: 'TEXT' };
    await emit(stack, d.jobId, 'CREATED', { labels: [big, small] });
    await waitFor(
      () => engineLabels(stack.vtex.service(d.carrierId, d.serviceId)?.labels ?? [], d.serviceId).length === 1,
      { what: 'the small label' },
    );
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    expect(engineLabels(record.labels, d.serviceId)).toEqual(['SMALL-1']);
    expect(record.notes).toEqual([
      expect.objectContaining({
        type: 'ERROR',
        content: expect.stringContaining('Label "Etiqueta grande" (BIG-1, BASE64, 181 KB) was not sent'),
      }),
    ]);
    expect(stack.vtex.calls({ path: 'labels' }).every((c) => c.status === 200)).toBe(true);
  });
});
