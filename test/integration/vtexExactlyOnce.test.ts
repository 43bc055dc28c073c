/**
 * Exactly once where VTEX has no idempotency key (docs/specification.md "Exactly once at VTEX"): notes, evidences and
 * on-holds are identified by the event (or the operator's command) that asked for them, so a post whose answer was lost is not
 * sent again, and a later event repeating the same text is still posted, even when its own first
 * attempt failed.
 */
import { withoutMarker } from '../../activities/vtex';
import { createVtexDelivery, emit, finalView, forceStatus, vtexCallsOf, withEvidences } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();
afterEach(() => stack.vtex.resetFaults());

/** Faults `hook` posts of this service until one call met `fault`, then lifts them. */
async function faultOnce(
  serviceId: string,
  hook: string,
  fault: 'lost-answer' | 'error',
  during: () => Promise<unknown>,
): Promise<void> {
  stack.vtex.setFaults(
    fault === 'lost-answer'
      ? { lostAnswerRate: 1, pathPattern: `/tracking/hook/${hook}/` }
      : { errorRate: 1, errorStatuses: [503], pathPattern: `/tracking/hook/${hook}/` },
  );
  await during();
  await waitFor(() => vtexCallsOf(stack, serviceId).some((c) => c.path.includes(`/${hook}/`) && c.fault === fault), {
    what: `a ${fault} on ${hook}`,
    intervalMs: 20,
  });
  stack.vtex.resetFaults();
}

const record = (d: { carrierId: string; serviceId: string }) => stack.vtex.service(d.carrierId, d.serviceId)!;

describe('notes', () => {
  it('posts the same note text twice when two events carry it, after a lost answer and a failed first attempt', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED');
    // REFUSED's ERROR note lands, its answer is lost: the retry must not post it again.
    await faultOnce(d.serviceId, 'notes', 'lost-answer', () => emit(stack, d.jobId, 'REFUSED'));
    // A second REFUSED says the same; its first post is refused (503, not carried out): the retry
    // must post it, though VTEX's record already ends with that very text.
    await faultOnce(d.serviceId, 'notes', 'error', () => emit(stack, d.jobId, 'REFUSED'));
    await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    expect((await finalView(stack, d.serviceId)).needsAttention).toBe(false);

    const notes = record(d).notes;
    expect(notes.map((n) => withoutMarker(n.content))).toEqual(['Delivery refused', 'Delivery refused']);
    // Each carries the marker of its own event.
    expect(new Set(notes.map((n) => n.content)).size).toBe(2);
  });
});

describe('evidences', () => {
  it("posts the delivered job's proof once whatever the faults, two identical ones as two", async () => {
    const d = await createVtexDelivery(stack);
    const text = { type: 'TEXT' as const, content: 'Left with the doorman', author: 'Pedro' };
    const image = { type: 'IMAGE' as const, content: 'https://media.example/evidence/door.jpg', author: 'Pedro' };
    await faultOnce(d.serviceId, 'evidences', 'lost-answer', () =>
      emit(stack, d.jobId, 'CLIENT_RECEIVED', withEvidences([image, text, text])),
    );
    await finalView(stack, d.serviceId);
    const evidences = record(d).evidences.map((e) => `${e.type} ${withoutMarker(e.content ?? '')}`);
    expect(evidences.sort()).toEqual([`IMAGE ${image.content}`, `TEXT ${text.content}`, `TEXT ${text.content}`]);
  });
});

describe('on-hold', () => {
  it('reads VTEX back before posting an on-hold again: one on-hold after a lost answer', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED');
    await faultOnce(d.serviceId, 'on-hold', 'lost-answer', () => forceStatus(stack, d.serviceId, 'ON_HOLD'));
    await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    await finalView(stack, d.serviceId);

    const holds = record(d).timeline.filter((e) => e.type === 'STATUS' && e.description === 'Service on hold');
    expect(holds).toHaveLength(1);
    expect(vtexCallsOf(stack, d.serviceId).filter((c) => c.path.includes('/on-hold/'))).toHaveLength(1);
    expect(record(d).status).toBe('DELIVERED');
  });

  it('posts a second on-hold after the delivery resumed, even when its first attempt failed', async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED');
    await forceStatus(stack, d.serviceId, 'ON_HOLD');
    await waitFor(() => record(d).status === 'ON_HOLD', { what: 'the first on-hold at VTEX' });
    await emit(stack, d.jobId, 'GOING_TO_DESTINATION_STARTED');
    await waitFor(() => record(d).status === 'ON_ROUTE', { what: 'ON_ROUTE at VTEX' });
    await faultOnce(d.serviceId, 'on-hold', 'error', () => forceStatus(stack, d.serviceId, 'ON_HOLD'));
    await emit(stack, d.jobId, 'CLIENT_RECEIVED');
    await finalView(stack, d.serviceId);
    const holds = record(d).timeline.filter((e) => e.type === 'STATUS' && e.description === 'Service on hold');
    expect(holds).toHaveLength(2);
  });
});

describe("a status report after VTEX's own cancel", () => {
  it('the first report does not reopen a service VTEX canceled in its 5 s confirmation window', async () => {
    const d = await createVtexDelivery(stack, { waitFirstReport: false });
    const canceled = await stack.vtex.cancelService(d.serviceId, 'Ordered by mistake', d.carrierId);
    expect(canceled.status).toBe(200);
    expect((await finalView(stack, d.serviceId, 60_000)).status).toBe('CANCELED');
    // Whatever the workflow still had queued had its chance to go out.
    await new Promise((r) => setTimeout(r, 7000));
    expect(record(d).status).toBe('CANCELED');
    const canceledAt = Date.parse(canceled.answeredAt);
    expect(
      vtexCallsOf(stack, d.serviceId).filter(
        (c) => c.method === 'PATCH' && c.status === 200 && Date.parse(c.at) > canceledAt,
      ),
    ).toEqual([]);
  }, 90_000);

  it('is not sent when it was still being retried when VTEX canceled the service', async () => {
    const d = await createVtexDelivery(stack);
    // VTEX refuses this service's calls for a while: the ASSIGNED report keeps retrying.
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [500], pathPattern: `${d.serviceId}$` });
    await emit(stack, d.jobId, 'ALLOCATED');
    // (The report's read-back and its PATCH share the path: either is refused.)
    await waitFor(() => vtexCallsOf(stack, d.serviceId).filter((c) => c.status === 500).length >= 2, {
      what: 'the ASSIGNED report refused twice',
    });
    const canceled = await stack.vtex.cancelService(d.serviceId, 'Client changed their mind', d.carrierId);
    expect(canceled.status).toBe(200);
    const canceledAt = Date.parse(canceled.answeredAt);
    stack.vtex.resetFaults();
    expect((await finalView(stack, d.serviceId, 90_000)).status).toBe('CANCELED');

    expect(record(d).status).toBe('CANCELED');
    const latePatches = vtexCallsOf(stack, d.serviceId).filter(
      (c) => c.method === 'PATCH' && c.status === 200 && Date.parse(c.at) > canceledAt,
    );
    expect(latePatches).toEqual([]);
  }, 120_000);
});
