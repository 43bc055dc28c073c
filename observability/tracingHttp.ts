/**
 * Our own spans at the two HTTP edges (docs/observability.md "Traces"): a SERVER span per intake request, a
 * CLIENT span per partner call. Small by choice: the OpenTelemetry http/express instrumentations
 * patch modules at load time (before anything imports them), and got has no instrumentation of its
 * own; a middleware and three got hooks give the same spans where we can see them.
 *
 * Attributes name the call (method, route or URL, status), never a header or a body: tokens,
 * addresses and the delivery PIN stay out of traces as they stay out of logs.
 */
import * as otel from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Got, RequestError, Response } from 'got';
import { activeTracing, bridgeTracer } from './tracing';

const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A SERVER span per request, named by its route (`POST /delivery-engine/webhooks`), active while
 * the handlers run, so the Temporal client's spans are its children. A caller's `traceparent` is
 * continued. Passes straight through when tracing is off, and for the probes and metrics.
 */
export function traceRequests(): RequestHandler {
  if (!activeTracing().enabled) return (_req, _res, next) => next();
  const tracer = bridgeTracer();
  return (req, res, next) => {
    // Probes and scrapes every few seconds would bury the traces worth reading.
    if (UNTRACED_PATHS.has(req.path)) return next();
    const parent = otel.propagation.extract(otel.ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: otel.SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    let ended = false;
    const end = (aborted: boolean) => {
      if (ended) return;
      ended = true;
      // The route template, not the path: ids stay out of span names (and keep their number small).
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : undefined;
      span.updateName(route ? `${req.method} ${route}` : req.method);
      if (route) span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (aborted)
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: 'the caller went away before the answer' });
      else if (res.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', () => end(false));
    res.once('close', () => end(!res.writableFinished));
    otel.context.with(otel.trace.setSpan(parent, span), next);
  };
}

/**
 * The got instance of one partner with a CLIENT span per call (`PATCH VTEX`), child of the active
 * span (the activity's), and its context sent as `traceparent`. The instance itself when off.
 */
export function withPartnerCallSpans(instance: Got, system: string): Got {
  if (!activeTracing().enabled) return instance;
  const tracer = bridgeTracer();
  // Keyed by the request's options: the one object every hook of a call sees.
  const spans = new WeakMap<object, otel.Span>();
  const finish = (options: object | undefined, status: number | undefined, error?: Error) => {
    const span = options && spans.get(options);
    if (!span) return;
    spans.delete(options);
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (error) {
      span.recordException(error);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error.message });
    } else if (status !== undefined && status >= 400) span.setStatus({ code: otel.SpanStatusCode.ERROR });
    span.end();
  };
  return instance.extend({
    hooks: {
      beforeRequest: [
        (options) => {
          const url = options.url instanceof URL ? options.url : new URL(String(options.url));
          const method = options.method.toUpperCase();
          const span = tracer.startSpan(`${method} ${system}`, {
            kind: otel.SpanKind.CLIENT,
            attributes: {
              'peer.service': system,
              'http.request.method': method,
              'url.full': `${url.origin}${url.pathname}`,
              'server.address': url.hostname,
            },
          });
          spans.set(options, span);
          otel.propagation.inject(otel.trace.setSpan(otel.context.active(), span), options.headers);
        },
      ],
      afterResponse: [
        (response: Response) => {
          finish(response.request.options, response.statusCode);
          return response;
        },
      ],
      beforeError: [
        (error: RequestError) => {
          finish(error.options, error.response?.statusCode, error);
          return error;
        },
      ],
    },
  });
}
