/**
 * Traces through the real stack (docs/observability.md "Traces"): the engine's webhook POST, the signal, the
 * workflow's handling, the report activity and the VTEX PATCH it makes are one trace; the first
 * report, sent when VTEX's confirmation wait is over, stays in the Create service's trace. Spans go
 * to an in-memory exporter, installed before the stack so the bridge takes it.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../security/dataConverter';
import { ENCRYPTED_ENCODING } from '../../security/codec';
import { activeTracing, installTracing } from '../../observability/tracing';
import { createVtexDelivery, emit, finalView, vtexLog } from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const exporter = new InMemorySpanExporter();
let stack: TestStack;

beforeAll(async () => {
  installTracing({ exporter, serviceName: 'delivery-bridge-test' });
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const spans = () => exporter.getFinishedSpans();
const byId = () => new Map(spans().map((s) => [s.spanContext().spanId, s]));

/** The span and its ancestors, nearest first, as far as the parents were exported. */
function ancestry(span: ReadableSpan): ReadableSpan[] {
  const index = byId();
  const chain = [span];
  for (let parent = span.parentSpanId; parent;) {
    const next = index.get(parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanId;
  }
  return chain;
}

/** The VTEX tracking PATCH client spans of one service. */
function vtexPatches(serviceId: string): ReadableSpan[] {
  return spans().filter(
    (s) =>
      s.kind === SpanKind.CLIENT &&
      s.name === 'PATCH VTEX' &&
      String(s.attributes['url.full']).endsWith(`/tracking/hook/${stack.config.vtex.carrierId}/${serviceId}`),
  );
}

describe('traces of a delivery', () => {
  it('follows an engine event in one trace from the webhook POST through the workflow to the VTEX PATCH', async () => {
    const d = await createVtexDelivery(stack); // returns once the first PATCH (PENDING) reached VTEX
    // The job's CREATED event brings its tracking page: a second PENDING PATCH.
    await waitFor(() => vtexLog(stack, d.serviceId).filter((line) => line === 'PATCH PENDING').length === 2, {
      what: "CREATED's PATCH",
    });
    await waitFor(() => vtexPatches(d.serviceId).length === 2, { what: 'the PENDING PATCH spans' });
    const before = vtexPatches(d.serviceId);
    // The first report's PATCH: the earlier of the two (the other is CREATED's, in the webhook's trace).
    const firstPatch = [...before].sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    )[0];

    await emit(stack, d.jobId, 'ALLOCATED');
    await waitFor(() => vtexLog(stack, d.serviceId).includes('PATCH ASSIGNED'), { what: 'PATCH ASSIGNED' });
    await waitFor(() => vtexPatches(d.serviceId).length === 3, { what: "ALLOCATED's PATCH span" });
    const patch = vtexPatches(d.serviceId).find((s) => !before.includes(s))!;

    // Workflow spans leave with the workflow task they end in: the StartActivity one after the activity.
    const chain = await waitFor(() => (ancestry(patch).length >= 6 ? ancestry(patch) : undefined), {
      what: 'the PATCH span linked up to the request span',
    }).catch(() => ancestry(patch));
    expect(chain.map((s) => s.name)).toEqual([
      'PATCH VTEX',
      'RunActivity:vtexUpdateService',
      'StartActivity:vtexUpdateService',
      'HandleSignal:carrierEvent',
      'SignalWorkflow:carrierEvent',
      'POST /delivery-engine/webhooks',
    ]);
    const root = chain.at(-1)!;
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes['http.response.status_code']).toBe(200);
    expect(new Set(chain.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
    expect(patch.attributes['http.response.status_code']).toBe(200);
    // The workflow's spans name the delivery, and only that of its workflow info.
    const handled = chain.find((s) => s.name === 'HandleSignal:carrierEvent')!;
    expect(handled.attributes).toMatchObject({ workflowId: d.serviceId, workflowType: 'deliveryWorkflow' });
    expect(handled.attributes).not.toHaveProperty('memo');
    expect(handled.attributes).not.toHaveProperty('searchAttributes');
    // VTEX received the PATCH span's context (a partner that traces would continue it).
    const call = stack.vtex
      .calls({ path: d.serviceId })
      .find((c) => c.method === 'PATCH' && (c.body as { status?: string }).status === 'ASSIGNED')!;
    expect(call.headers.traceparent).toBe(`00-${patch.spanContext().traceId}-${patch.spanContext().spanId}-01`);

    // The first report waited out VTEX's confirmation under a timer: it is in Create service's
    // trace, with the engine's job and the VTEX token. (Its parent, the run's span, is exported
    // when the run ends: a delivery's run lasts its whole life.)
    const createTrace = firstPatch!.spanContext().traceId;
    expect(createTrace).not.toBe(root.spanContext().traceId);
    const inCreateTrace = spans().filter((s) => s.spanContext().traceId === createTrace);
    expect(inCreateTrace.filter((s) => s.parentSpanId === undefined).map((s) => s.name)).toEqual([
      'POST /vtex/services',
    ]);
    const clientCalls = inCreateTrace.filter((s) => s.kind === SpanKind.CLIENT).map((s) => s.name);
    expect(clientCalls).toEqual(expect.arrayContaining(['POST Delivery Engine', 'POST VTEX auth', 'PATCH VTEX']));
    expect(ancestry(firstPatch!).map((s) => s.name)).toEqual([
      'PATCH VTEX',
      'RunActivity:vtexUpdateService',
      'StartActivity:vtexUpdateService',
    ]);
  });

  it('keeps the trace context readable in history while the payloads stay encrypted', async () => {
    const d = await createVtexDelivery(stack, { waitFirstReport: false });
    await emit(stack, d.jobId, 'ALLOCATED');
    const history = await waitFor(
      async () => {
        const h = await stack.bridge.client.workflow.getHandle(d.serviceId).fetchHistory();
        return h.events?.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'carrierEvent')
          ? h
          : undefined;
      },
      { what: 'the carrierEvent signal in history' },
    );
    const EventType = temporal.api.enums.v1.EventType;
    const signaled = history.events!.find(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
        e.workflowExecutionSignaledEventAttributes?.signalName === 'carrierEvent',
    )!.workflowExecutionSignaledEventAttributes!;

    // The SDK does not pass headers through the codec: the header is plain JSON holding the
    // trace context only, which the worker reads back; the event itself is ciphertext.
    const header = signaled.header!.fields!['_tracer-data']!;
    const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(header);
    expect(Object.keys(carrier)).toEqual(['traceparent']);
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const input = signaled.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);

    // That context is the one the webhook's server span started.
    const webhook = spans().find(
      (s) =>
        s.name === 'POST /delivery-engine/webhooks' && s.spanContext().traceId === carrier.traceparent!.split('-')[1],
    );
    expect(webhook).toBeDefined();
  });

  it("replays a traced delivery's history deterministically, through the same bundle", async () => {
    const d = await createVtexDelivery(stack);
    for (const type of ['ALLOCATED', 'CHECKED_OUT', 'CLIENT_RECEIVED']) await emit(stack, d.jobId, type);
    expect((await finalView(stack, d.serviceId)).status).toBe('DELIVERED');
    const history = await stack.bridge.client.workflow.getHandle(d.serviceId).fetchHistory();
    // A traced run: its start, its signals and its activities carried the context.
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started.header?.fields?.['_tracer-data']).toBeDefined();
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
        dataConverter: createDataConverter(stack.config.codecKeys),
        sinks: activeTracing().workflowSinks(),
      },
      history,
      d.serviceId,
    );
  });
});
