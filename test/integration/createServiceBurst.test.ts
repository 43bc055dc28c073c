/**
 * Create service in a burst (docs/intake-api.md "Create service in a burst"): with many calls in flight, a call
 * does not wait for a job that cannot come within VTEX's 5 seconds. Once Temporal shows its workflow
 * exists it is answered PENDING, long before the answer deadline; the confirmation wait still counts
 * from that answer (no tracking call reaches VTEX within 5 s of it), and every job is created once.
 * Such a call costs Temporal one request (signal-with-start), not an update and a proof, and its
 * workflow's first task waits (a start delay) until the call is surely answered.
 */
import { temporal } from '@temporalio/proto';
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const DEADLINE_MS = 4000;
/** More calls at once than the gateway's busy mark (api/deliveries.ts: 8 in flight). */
const CALLS = 48;

const stack = useTestStack({ env: { CREATE_ANSWER_DEADLINE_MS: String(DEADLINE_MS) } });

it('answers the calls beyond the busy mark PENDING as soon as their workflows exist, not at the deadline', async () => {
  // A slow engine: no job exists before the answer deadline, so the workflow has nothing better than PENDING.
  stack.engine.setFaults({ latencyMs: 3000, pathPattern: '^/jobs$' });
  const bodies = Array.from({ length: CALLS }, () => createServiceBody());
  const results = await Promise.all(bodies.map((body) => stack.vtex.createService(body)));
  stack.engine.setFaults({ latencyMs: 0 });

  expect(results.map((r) => r.status)).toEqual(Array(CALLS).fill(200));
  expect(results.map((r) => (r.body as { status: string }).status)).toEqual(Array(CALLS).fill('PENDING'));
  const serviceIds = results.map((r) => (r.body as { serviceId: string }).serviceId);
  expect(new Set(serviceIds).size).toBe(CALLS);
  // Below the mark a call waits for its job until the deadline; above it, it is answered once proven.
  // (The workflow answers a call below the mark 300 ms before the deadline.)
  const durations = results.map((r) => Math.round(r.durationMs)).sort((a, b) => a - b);
  const early = durations.filter((ms) => ms < DEADLINE_MS - 1000).length;
  expect(early >= CALLS - 8 ? 'enough answered early' : `answered in ms: ${durations.join(', ')}`).toBe(
    'enough answered early',
  );

  // VTEX confirms each service 5 s after its answer: the first tracking call of each comes after that.
  const firstCalls = await waitFor(
    () => {
      const calls = serviceIds.map((id) => stack.vtex.calls({ path: id }).find((c) => c.durationMs != null));
      return calls.every((c) => c !== undefined) ? calls : undefined;
    },
    { what: 'a tracking call for every delivery', timeoutMs: 60_000, intervalMs: 500 },
  );
  firstCalls.forEach((call, i) => {
    expect(Date.parse(call!.at) - Date.parse(results[i]!.answeredAt)).toBeGreaterThanOrEqual(5000);
    expect(call!.status).toBe(200);
  });

  for (const body of bodies)
    expect(
      stack.engine.jobs().filter((j) => j.client_reference === vtexServiceId(body.carrierId, body.orderId)),
    ).toHaveLength(1);

  // A call beyond the mark cost Temporal one request: a signal-with-start, whose signal
  // (`serviceAnswered`, in the same write as the start) moves the confirmation past our answer.
  // No update, no describe and no second start were sent for it. Its first workflow task waited
  // (a start delay) until the call was surely answered, so the burst's starts came first.
  const EventType = temporal.api.enums.v1.EventType;
  const shapes = await Promise.all(
    serviceIds.map(async (id) => {
      const { events } = await stack.bridge.client.workflow.getHandle(id).fetchHistory();
      const updated = events!.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
      const second = events![1]!;
      const answeredWithStart =
        second.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
        second.workflowExecutionSignaledEventAttributes?.signalName === 'serviceAnswered';
      const backoff = events![0]!.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
      const delayedMs = backoff ? Number(backoff.seconds ?? 0) * 1000 + (backoff.nanos ?? 0) / 1e6 : 0;
      if (updated) return 'update-with-start';
      if (answeredWithStart) return delayedMs > 0 ? 'signal-with-start' : 'signal-with-start, first task not delayed';
      return 'other';
    }),
  );
  expect(shapes.filter((s) => s !== 'update-with-start' && s !== 'signal-with-start')).toEqual([]);
  const withSignal = shapes.filter((s) => s === 'signal-with-start').length;
  expect(withSignal >= CALLS - 8 ? 'burst calls signal-with-start' : shapes.join(', ')).toBe(
    'burst calls signal-with-start',
  );
}, 120_000);
