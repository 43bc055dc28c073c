/**
 * The HTTP client of every activity: got, with no retries of its own (Temporal retries, with the
 * policy chosen per endpoint), a timeout per call, keep-alive, and bodies parsed leniently.
 */
import http from 'node:http';
import https from 'node:https';
import got, { type Got, type Method } from 'got';
import { ApplicationFailure } from '@temporalio/common';
import {
  CALL_CONTEXT_KEY,
  endpointOf,
  type CallContext,
  type PartnerCallMetrics,
} from '../observability/metrics/partnerCalls';
import { withPartnerCallSpans } from '../observability/tracingHttp';
import { attempt } from './attempt';
import { failureFor, FailureType, networkFailure } from './failures';

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  /** the answer's headers, names in lower case (read for Retry-After) */
  headers?: Record<string, string | string[] | undefined>;
}

export interface HttpRequest {
  method: Method;
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpClient {
  readonly system: string;
  readonly baseUrl: string;
  send<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
  /** send, then turn a non-2xx into the classified ApplicationFailure. */
  expectOk<T = unknown>(request: HttpRequest, options?: { notFoundRetryable?: boolean }): Promise<HttpResponse<T>>;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export interface HttpClientOptions {
  instance?: Got;
  /** Counts and times every call (observability/metrics/partnerCalls.ts); none: not measured. */
  metrics?: PartnerCallMetrics;
}

export function createHttpClient(system: string, baseUrl: string, options: HttpClientOptions = {}): HttpClient {
  const base = baseUrl.replace(/\/+$/, '');
  const measured = options.metrics
    ? options.metrics.instrument(options.instance ?? got, system)
    : (options.instance ?? got);
  const instance = withPartnerCallSpans(measured, system);
  const client: HttpClient = {
    system,
    baseUrl: base,
    async send<T>(request: HttpRequest): Promise<HttpResponse<T>> {
      const call: CallContext = {
        method: request.method,
        endpoint: endpointOf(request.method, request.path),
        attempt: attempt() > 1 ? 'retry' : 'first',
        startedAt: performance.now(),
      };
      try {
        const response = await instance(`${base}${request.path}`, {
          context: { [CALL_CONTEXT_KEY]: call },
          method: request.method,
          ...(request.json !== undefined ? { json: request.json } : {}),
          headers: { accept: 'application/json', ...request.headers },
          timeout: { request: request.timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
          followRedirect: false,
          agent: agents,
          responseType: 'text',
        });
        return { status: response.statusCode, body: parseBody(response.body) as T, headers: response.headers };
      } catch (err) {
        throw networkFailure(system, request.method, request.path, err as Error);
      }
    },
    async expectOk<T>(request: HttpRequest, options?: { notFoundRetryable?: boolean }): Promise<HttpResponse<T>> {
      const response = await client.send<T>(request);
      if (response.status >= 200 && response.status < 300) return response;
      throw failureFor(
        { system, method: request.method, path: request.path, status: response.status, body: response.body },
        options,
      );
    },
  };
  return client;
}

function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One URL path segment of a partner's id (an engine job id, an Abbiamo delivery id, a VTEX
 * serviceId). encodeURIComponent leaves dots alone, and a segment of only dots (or none at all)
 * would move the request, our credentials with it, to another path: refused, for good. The
 * intake refuses such ids; this holds whatever an input or a partner's answer says.
 */
export function pathSegment(id: string, what: string): string {
  if (id === '' || /^\.+$/.test(id))
    throw ApplicationFailure.create({
      type: FailureType.BadRequest,
      message: `${what} ${JSON.stringify(id)} cannot be a URL path segment`,
      nonRetryable: true,
    });
  return encodeURIComponent(id);
}
