/**
 * Every HTTP call to a partner (the Delivery Engine, VTEX's tracking and token APIs, Abbiamo),
 * counted and timed once, by got hooks on the client of activities/http.ts: by system, method,
 * endpoint (the path's template, never its ids: those would make a series per delivery), outcome
 * and whether it was the activity's first attempt or a retry. docs/observability.md "Metrics".
 */
import type { Got } from 'got';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ABBIAMO_ENDPOINTS } from '../../contracts/abbiamo';

export const PARTNER_CALLS = 'delivery_bridge_partner_calls_total';
export const PARTNER_CALL_DURATION = 'delivery_bridge_partner_call_duration_seconds';

/**
 * What became of one call: `ok` (2xx); `refused` (a 4xx other than 408/429: the partner said no,
 * a retry changes nothing unless something else does); `failed` (5xx, 408, 429: worth a retry);
 * `network` (no answer: timeout, connection refused or reset).
 */
export type PartnerCallOutcome = 'ok' | 'refused' | 'failed' | 'network';

export interface PartnerCallLabels {
  system: string;
  method: string;
  endpoint: string;
  /** `first` attempt of its activity (or a call outside any activity), or a `retry` */
  attempt: 'first' | 'retry';
}

export interface PartnerCallMetrics {
  /** got with the hooks that count this client's calls (`system` as the clients name it). */
  instrument(instance: Got, system: string): Got;
}

/** The label of a system as the clients name it in messages ('Delivery Engine', 'VTEX auth'). */
export function systemLabel(system: string): string {
  const known: Record<string, string> = {
    'Delivery Engine': 'engine',
    VTEX: 'vtex',
    'VTEX auth': 'vtex-auth',
    Abbiamo: 'abbiamo',
  };
  return known[system] ?? system.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

const ABBIAMO_NAMES = new Set<string>(ABBIAMO_ENDPOINTS);

/** Path templates of every endpoint we call (docs/partners.md); anything else is `other`. */
const TEMPLATES: Array<[RegExp, string | ((m: RegExpMatchArray, method: string) => string)]> = [
  [/^\/token$/, '/token'],
  [
    /^\/tracking\/hook\/(notes|evidences|labels|cancel|on-hold)\/[^/]+\/[^/]+$/,
    (m) => `/tracking/hook/${m[1]}/{carrierId}/{serviceId}`,
  ],
  [/^\/tracking\/hook\/[^/]+\/[^/]+$/, '/tracking/hook/{carrierId}/{serviceId}'],
  [/^\/jobs\/availability\/v2$/, '/jobs/availability/v2'],
  [/^\/jobs\/availability\/[^/]+\/check$/, '/jobs/availability/{slotId}/check'],
  [/^\/jobs\/[^/]+\/extend_expiration_time$/, '/jobs/{slotId}/extend_expiration_time'],
  [/^\/jobs$/, '/jobs'],
  [/^\/jobs\/[^/]+\/(cancel|payment_info)$/, (m) => `/jobs/{jobId}/${m[1]}`],
  [/^\/jobs\/[^/]+$/, '/jobs/{jobId}'],
  [
    /^\/v1\/delivery\/([^/]+)$/,
    // A status is POSTed to its endpoint's name; a delivery is read back by its id.
    (m, method) =>
      method === 'POST' && ABBIAMO_NAMES.has(m[1]!) ? `/v1/delivery/${m[1]}` : '/v1/delivery/{deliveryId}',
  ],
  [/^\/deliveries\/[^/]+\/events$/, '/deliveries/{deliveryId}/events'],
];

/** The endpoint label of a call: its path's template, query string dropped. */
export function endpointOf(method: string, path: string): string {
  const bare = path.split('?')[0]!;
  for (const [pattern, template] of TEMPLATES) {
    const match = bare.match(pattern);
    if (match) return typeof template === 'string' ? template : template(match, method.toUpperCase());
  }
  return 'other';
}

export function outcomeOf(status: number | undefined): PartnerCallOutcome {
  if (status === undefined) return 'network';
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 500 || status === 408 || status === 429) return 'failed';
  return 'refused';
}

/** Where a call's labels ride from `send` to the hooks (got's per-request `context`). */
export const CALL_CONTEXT_KEY = 'partnerCall';
export interface CallContext {
  method: string;
  endpoint: string;
  attempt: PartnerCallLabels['attempt'];
  startedAt: number;
  /** set once counted: a failure after the answer is the same call */
  counted?: boolean;
}

export function createPartnerCallMetrics(registry: Registry): PartnerCallMetrics {
  const calls = new Counter({
    name: PARTNER_CALLS,
    help: 'HTTP calls to partners by system, method, endpoint, outcome (ok, refused, failed, network) and attempt (first, retry)',
    labelNames: ['system', 'method', 'endpoint', 'outcome', 'attempt'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: PARTNER_CALL_DURATION,
    help: 'Duration of HTTP calls to partners, until the answer or the failure',
    labelNames: ['system', 'method', 'endpoint', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const record = (system: string, context: unknown, status: number | undefined) => {
    const call = (context as Record<string, CallContext | undefined>)[CALL_CONTEXT_KEY];
    if (!call || call.counted) return; // not made by activities/http.ts, or counted already
    call.counted = true;
    const outcome = outcomeOf(status);
    const labels = { system: systemLabel(system), method: call.method, endpoint: call.endpoint };
    calls.inc({ ...labels, outcome, attempt: call.attempt });
    duration.observe({ ...labels, outcome }, (performance.now() - call.startedAt) / 1000);
  };
  return {
    instrument(instance, system) {
      return instance.extend({
        hooks: {
          afterResponse: [
            (response) => {
              record(system, response.request.options.context, response.statusCode);
              return response;
            },
          ],
          beforeError: [
            (error) => {
              // With an answer (a hook or parse error after it) it is that answer's outcome.
              record(system, error.options.context, error.response?.statusCode);
              return error;
            },
          ],
        },
      });
    },
  };
}
