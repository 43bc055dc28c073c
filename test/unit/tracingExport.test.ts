/**
 * Traces on, exported by OTLP/HTTP to a collector on loopback (docs/observability.md "Traces"): a request span,
 * the partner call under it with its context sent on, and a workflow span through the worker's
 * sink, each as the collector receives it. (Own file: one tracer provider per process.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createHttpClient } from '../../activities/http';
import { parseEnv, resolveConfig } from '../../config';
import { activeTracing, installTracing } from '../../observability/tracing';
import { traceRequests } from '../../observability/tracingHttp';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpRequest {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

const sandboxUrls = {
  vtex: 'http://127.0.0.1:1',
  deliveryEngine: 'http://127.0.0.1:2',
  abbiamo: 'http://127.0.0.1:3',
};

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: http.Server) => new Promise((resolve) => server.close(resolve));
const attributes = (span: OtlpSpan) =>
  Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));

describe('traces exported by OTLP', () => {
  const exports: Array<{ path: string; contentType?: string; body: OtlpRequest }> = [];
  const partnerHeaders: http.IncomingHttpHeaders[] = [];
  const collector = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const partner = http.createServer((req, res) => {
    partnerHeaders.push(req.headers);
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  let partnerUrl: string;
  const spans = () => exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));

  beforeAll(async () => {
    const collectorUrl = await listen(collector);
    partnerUrl = await listen(partner);
    const config = resolveConfig(
      parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_SERVICE_NAME: 'bridge-under-test' }),
      sandboxUrls,
    );
    expect(config.tracing).toEqual({ endpoint: `${collectorUrl}/v1/traces`, serviceName: 'bridge-under-test' });
    installTracing(config.tracing);
  });
  afterAll(async () => {
    await Promise.all([close(collector), close(partner)]);
  });

  it('exports a request span and the partner call made under it, and sends the partner its context', async () => {
    expect(activeTracing()).toMatchObject({ enabled: true, exportsTo: expect.stringMatching(/\/v1\/traces$/) });
    const abbiamo = createHttpClient('Abbiamo', partnerUrl);
    const app = express();
    app.use(traceRequests());
    app.post('/orders/:orderId/confirm', async (_req, res) => {
      const answer = await abbiamo.send({
        method: 'POST',
        path: '/v1/delivery/confirmed?attempt=1',
        json: { delivery_id: 'd-1' },
        headers: { 'x-abbiamo-carrier-key': 'secret-key' },
        timeoutMs: 2000,
      });
      res.status(answer.status === 201 ? 200 : 502).json({});
    });
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    const api = http.createServer(app);
    const apiUrl = await listen(api);
    try {
      expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${apiUrl}/orders/o-77/confirm`, { method: 'POST' })).status).toBe(200);
    } finally {
      await close(api);
    }
    await activeTracing().flush();

    expect(exports[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/json' });
    const resource = exports[0]!.body.resourceSpans[0]!.resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'bridge-under-test' } });
    const server = spans().find((s) => s.name === 'POST /orders/:orderId/confirm')!;
    const client = spans().find((s) => s.name === 'POST Abbiamo')!;
    expect(server.parentSpanId ?? '').toBe('');
    // Probes leave no span.
    expect(spans().map((s) => s.name)).toEqual(['POST Abbiamo', 'POST /orders/:orderId/confirm']);
    expect(client.traceId).toBe(server.traceId);
    expect(client.parentSpanId).toBe(server.spanId);
    expect(attributes(server)).toMatchObject({
      'http.route': '/orders/:orderId/confirm',
      'http.response.status_code': 200,
    });
    // The URL without its query; no header of the call (the carrier key) in the span.
    expect(attributes(client)).toEqual({
      'peer.service': 'Abbiamo',
      'http.request.method': 'POST',
      'url.full': `${partnerUrl}/v1/delivery/confirmed`,
      'server.address': '127.0.0.1',
      'http.response.status_code': 201,
    });
    expect(partnerHeaders.at(-1)!.traceparent).toBe(`00-${client.traceId}-${client.spanId}-01`);
  });

  it("exports the workflow's spans from the sink, with their parent, and no workflow data but its identity", async () => {
    const sink = activeTracing().workflowSinks().exporter.export;
    expect(sink.callDuringReplay).toBe(false);
    const info = {
      workflowId: 'svc-1',
      runId: 'run-1',
      workflowType: 'deliveryWorkflow',
      taskQueue: 'deliveries',
      namespace: 'default',
      attempt: 1,
      memo: { summary: { receiver: 'Maria Souza, Rua das Flores 12' } },
      searchAttributes: { OrderId: ['o-1'] },
    };
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const now = Date.now();
    const time = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
    await sink.fn(info as never, [
      {
        name: 'HandleSignal:carrierEvent',
        kind: 0,
        spanContext: { traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 },
        parentSpanId: 'a3ce929d0e0e4736',
        startTime: time(now - 5),
        endTime: time(now),
        status: { code: 1 },
        attributes: {},
        links: [],
        events: [],
        duration: [0, 5e6],
        ended: true,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
        instrumentationLibrary: { name: '@temporalio/interceptor-workflow' },
      },
    ]);
    await activeTracing().flush();

    const handled = spans().find((s) => s.name === 'HandleSignal:carrierEvent')!;
    expect(handled).toMatchObject({ traceId, spanId: '00f067aa0ba902b7', parentSpanId: 'a3ce929d0e0e4736' });
    expect(attributes(handled)).toEqual({
      workflowId: 'svc-1',
      runId: 'run-1',
      workflowType: 'deliveryWorkflow',
      taskQueue: 'deliveries',
      namespace: 'default',
      attempt: 1,
    });
  });
});
