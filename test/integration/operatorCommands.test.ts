/**
 * Operators' commands to one delivery (the `operator` signal, and cancel or pause with `by`),
 * through the real stack: each changes what VTEX holds as the command says, and the delivery's
 * timeline names who and why.
 */
import { cancelSignal, operatorSignal, pauseSignal } from '../../workflows/messages';
import {
  createVtexDelivery,
  emit,
  finalView,
  forceStatus,
  stateOf,
  vtexCallsOf,
  withDriver,
} from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => stack.vtex.resetFaults());

const handleOf = (serviceId: string) => stack.bridge.client.workflow.getHandle(serviceId);
const timelineHas = async (serviceId: string, pattern: RegExp) =>
  (await stateOf(stack, serviceId)).timeline.some((line) => pattern.test(line.message));

describe('operator commands', () => {
  it('forces a status: VTEX hears it as of a carrier event, and the timeline says who and why', async () => {
    const d = await createVtexDelivery(stack);
    await handleOf(d.serviceId).signal(operatorSignal, {
      action: 'force-status',
      status: 'DELIVERED',
      by: 'ana@ops',
      why: 'driver phone died, customer confirmed by phone',
    });
    const view = await finalView(stack, d.serviceId);
    expect(view.status).toBe('DELIVERED');
    expect(stack.vtex.service(d.carrierId, d.serviceId)?.status).toBe('DELIVERED');
    expect(view.timeline.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/forced by operator ana@ops: driver phone died/),
    );
  });

  it('refuses to force CANCELED (a cancel cancels the job) and says so in the timeline', async () => {
    const d = await createVtexDelivery(stack);
    await handleOf(d.serviceId).signal(operatorSignal, {
      action: 'force-status',
      status: 'CANCELED',
      by: 'ana@ops',
      why: 'wrong tool',
    });
    await waitFor(() => timelineHas(d.serviceId, /force CANCELED \(wrong tool\): refused/), { what: 'the refusal' });
    expect((await stateOf(stack, d.serviceId)).status).toBe('PENDING');
    expect(stack.engine.job(d.jobId)?.state).not.toBe('CANCELLED');
  });

  it('re-sends a report VTEX refused once the cause is fixed, and clears the flag', async () => {
    const d = await createVtexDelivery(stack);
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [400], pathPattern: '^/tracking/hook/notes/' });
    await emit(stack, d.jobId, 'ALLOCATED', withDriver({ id: 'r-3', name: 'Ana' }));
    // REFUSED: INCIDENT and an ERROR note, which VTEX refuses.
    await emit(stack, d.jobId, 'REFUSED');
    await waitFor(async () => (await stateOf(stack, d.serviceId)).refusedReports === 1, { what: 'the refusal kept' });
    const flagged = await stateOf(stack, d.serviceId);
    expect(flagged.needsAttention).toBe(true);
    expect(stack.vtex.service(d.carrierId, d.serviceId)?.notes ?? []).toHaveLength(0);

    stack.vtex.resetFaults();
    await handleOf(d.serviceId).signal(operatorSignal, { action: 'resend-refused', by: 'bo@ops', why: 'VTEX fixed' });
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.notes.length === 1 || undefined, {
      what: 'the note at VTEX',
    });
    const view = await waitFor(
      async () => {
        const v = await stateOf(stack, d.serviceId);
        return v.refusedReports === 0 && v.pendingReports === 0 ? v : undefined;
      },
      { what: 'the re-send taken' },
    );
    expect(view.needsAttention).toBe(false);
    expect(view.timeline.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/operator bo@ops re-sends 1 refused report\(s\): VTEX fixed/),
    );
  });

  it('repairs what VTEX lost behind our back: the status and the notes come back', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED', withDriver({ id: 'r-7', name: 'Ana' }));
    // The carrier's staff report an incident (Instaleap has no such event): its reason is a note, then REFUSED's.
    await forceStatus(stack, d.serviceId, 'INCIDENT', 'Recipient asked for the back door');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.notes.length === 1 || undefined, {
      what: 'the incident note',
    });
    await emit(stack, d.jobId, 'REFUSED');
    await waitFor(() => stack.vtex.service(d.carrierId, d.serviceId)?.notes.length === 2 || undefined, {
      what: 'the notes at VTEX',
    });
    await waitFor(async () => (await stateOf(stack, d.serviceId)).pendingReports === 0, { what: 'reports taken' });

    // Someone at VTEX rolls the record back.
    const record = stack.vtex.service(d.carrierId, d.serviceId)!;
    record.status = 'PENDING';
    record.notes = [];

    await handleOf(d.serviceId).signal(operatorSignal, {
      action: 'repair',
      by: 'reconciler',
      why: 'VTEX shows PENDING',
      drift: ['status PENDING, ours INCIDENT', 'notes 0 of 2'],
    });
    await waitFor(
      () => {
        const r = stack.vtex.service(d.carrierId, d.serviceId);
        return r?.status === 'INCIDENT' && r.notes.length === 2 ? r : undefined;
      },
      { what: 'the repaired record' },
    );
    const notes = stack.vtex.service(d.carrierId, d.serviceId)!.notes.map((n) => n.content);
    expect(notes[0]).toContain('Recipient asked for the back door');
    expect(notes[1]).toContain('Delivery refused');
    expect(await timelineHas(d.serviceId, /operator reconciler repairs the platform's record \(status PENDING/)).toBe(
      true,
    );
  });

  it("cancels on an operator's order: the job is canceled and VTEX is told, with who in the timeline", async () => {
    const d = await createVtexDelivery(stack);
    await handleOf(d.serviceId).signal(cancelSignal, { reason: 'store closed by flood', by: 'cy@ops' });
    const view = await finalView(stack, d.serviceId);
    expect(view.status).toBe('CANCELED');
    expect(stack.engine.job(d.jobId)?.state).toBe('CANCELLED');
    const cancel = vtexCallsOf(stack, d.serviceId).find(
      (c) => c.path.startsWith('/tracking/hook/cancel/') && c.status === 200,
    );
    expect(cancel?.body).toEqual({ type: 'OTHER', comment: 'store closed by flood' });
    expect(stack.vtex.service(d.carrierId, d.serviceId)?.status).toBe('CANCELED');
    expect(view.timeline.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/canceled by operator cy@ops: store closed by flood/),
    );
  });

  it("pauses on an operator's order and names the operator; clear-flag unflags", async () => {
    const d = await createVtexDelivery(stack);
    await handleOf(d.serviceId).signal(pauseSignal, { pause: true, reason: 'road closed', by: 'di@ops' });
    await waitFor(() => stack.engine.blockingPolicies(d.jobId).at(-1) === 'EXIT_STORE', { what: 'the job on hold' });
    await waitFor(() => timelineHas(d.serviceId, /paused by operator di@ops: road closed/), { what: 'who paused' });

    // A hold the engine refuses flags the delivery; the operator looks and clears it.
    const e = await createVtexDelivery(stack);
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [409], pathPattern: '/payment_info$' });
    try {
      await handleOf(e.serviceId).signal(pauseSignal, { pause: true, reason: 'test', by: 'di@ops' });
      await waitFor(async () => (await stateOf(stack, e.serviceId)).needsAttention, { what: 'the flag' });
    } finally {
      stack.engine.resetFaults();
    }
    await handleOf(e.serviceId).signal(operatorSignal, { action: 'clear-flag', by: 'di@ops', why: 'hold not needed' });
    await waitFor(async () => !(await stateOf(stack, e.serviceId)).needsAttention, { what: 'the flag cleared' });
    const view = await stateOf(stack, e.serviceId);
    expect(view.lastError).toBeUndefined();
    expect(view.timeline.map((l) => l.message)).toContainEqual('operator di@ops cleared the flag: hold not needed');
  });
});
