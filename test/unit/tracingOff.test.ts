/**
 * Traces off (no OTLP endpoint, the default): nothing is registered, nothing wraps our calls, no
 * trace header leaves for a partner.
 * (Own file: the tracer provider is once per process, and jest gives each file its own.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as otel from '@opentelemetry/api';
import express from 'express';
import got from 'got';
import { createHttpClient } from '../../activities/http';
import { parseEnv, resolveConfig } from '../../config';
import { activeTracing, installTracing, WORKFLOW_INTERCEPTORS_PATH } from '../../observability/tracing';
import { traceRequests, withPartnerCallSpans } from '../../observability/tracingHttp';

const sandboxUrls = {
  vtex: 'http://127.0.0.1:1',
  deliveryEngine: 'http://127.0.0.1:2',
  abbiamo: 'http://127.0.0.1:3',
};

describe('traces when no endpoint is configured', () => {
  const received: http.IncomingHttpHeaders[] = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    installTracing(resolveConfig(parseEnv({}), sandboxUrls).tracing);
    server = http.createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('registers no tracer provider and adds no client or activity interceptor', () => {
    const tracing = activeTracing();
    expect(tracing.enabled).toBe(false);
    expect(tracing.exportsTo).toBeUndefined();
    expect(tracing.clientInterceptors()).toEqual({});
    // The workflow module stays: the bundle is the same code whether this process traces or not.
    expect(tracing.workerInterceptors({ bundling: true })).toEqual({ workflowModules: [WORKFLOW_INTERCEPTORS_PATH] });
    expect(tracing.workerInterceptors({ bundling: false })).toEqual({});
    const span = otel.trace.getTracer('any').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('leaves partner calls unwrapped: the same got, no traceparent sent', async () => {
    expect(withPartnerCallSpans(got, 'VTEX')).toBe(got);
    const response = await createHttpClient('VTEX', url).send({ method: 'GET', path: '/x', timeoutMs: 2000 });
    expect(response.status).toBe(200);
    expect(received.at(-1)).not.toHaveProperty('traceparent');
  });

  it('passes intake requests straight through', async () => {
    const app = express();
    app.use(traceRequests());
    app.get('/probe', (_req, res) => {
      res.json({ active: otel.trace.getSpan(otel.context.active()) !== undefined });
    });
    const api = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => api.once('listening', resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${(api.address() as AddressInfo).port}/probe`);
      expect(await answer.json()).toEqual({ active: false });
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  });
});
