/**
 * Prometheus metrics of the intake (`GET /metrics`, docs/observability.md "Metrics"): request durations per route
 * and status; Create service answers and their latency by outcome (with the job, PENDING before the
 * job existed, or refused); the Delivery Engine calls the intake makes itself (rates); and, read from
 * Temporal's visibility at each scrape, how many deliveries are open and how many are flagged.
 */
import type { Client } from '@temporalio/client';
import type { RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createPartnerCallMetrics, type PartnerCallMetrics } from '../observability/metrics/partnerCalls';
import { WorkflowType } from '../workflows/messages';
import { NeedsAttentionKey } from '../workflows/searchAttributes';

export const CREATE_SERVICE_ANSWERS = 'delivery_bridge_create_service_answers_total';
export const CREATE_SERVICE_DURATION = 'delivery_bridge_create_service_duration_seconds';
export const DELIVERIES_OPEN = 'delivery_bridge_deliveries_open';
export const DELIVERIES_FLAGGED = 'delivery_bridge_deliveries_flagged';

/** How Create service was answered: the route says which 200 it was; a refusal is read from the status. */
export type CreateOutcome = 'with-job' | 'pending-before-job' | 'rejected' | 'unauthorized' | 'unavailable' | 'error';

/** A visibility count may not hold a scrape up longer than this. */
const COUNT_TIMEOUT_MS = 2000;

export interface IntakeMetrics {
  registry: Registry;
  /** For the engine client of the rates (api/rates.ts). */
  partnerCalls: PartnerCallMetrics;
  track: RequestHandler;
}

export interface IntakeMetricsDeps {
  /** Counts the deliveries of this task queue at each scrape; none: those gauges are not served. */
  visibility?: { client: Client; taskQueue: string };
}

/** Marks the Create service answer the route gave (the status alone cannot tell them apart). */
export function recordCreateOutcome(res: Response, outcome: 'with-job' | 'pending-before-job'): void {
  res.locals.createOutcome = outcome;
}

function createOutcomeOf(res: Response): CreateOutcome {
  const marked = res.locals.createOutcome as CreateOutcome | undefined;
  if (marked) return marked;
  const status = res.statusCode;
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'rejected';
  return 'error';
}

export function createIntakeMetrics({ visibility }: IntakeMetricsDeps = {}): IntakeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'delivery_bridge_' });
  const duration = new Histogram({
    name: 'delivery_bridge_http_request_duration_seconds',
    help: 'Intake request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4, 5, 10],
    registers: [registry],
  });
  const createAnswers = new Counter({
    name: CREATE_SERVICE_ANSWERS,
    help: 'Create service answers by outcome: with-job, pending-before-job, rejected, unauthorized, unavailable, error',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const createDuration = new Histogram({
    name: CREATE_SERVICE_DURATION,
    help: 'Create service latency (request received to answer sent) by outcome; VTEX waits 5 s',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 4.5, 5],
    registers: [registry],
  });
  if (visibility) registerDeliveryGauges(registry, visibility);

  const track: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    const started = performance.now();
    res.once('finish', () => {
      // The matched route pattern, never the raw path: ids would explode the label set.
      const route = `${req.baseUrl}${(req.route as { path?: string } | undefined)?.path ?? ''}` || 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
      // Also when auth or validation refused it before the route ran.
      if (req.method === 'POST' && req.originalUrl.split('?')[0] === '/vtex/services') {
        const outcome = createOutcomeOf(res);
        createAnswers.inc({ outcome });
        createDuration.observe({ outcome }, (performance.now() - started) / 1000);
      }
    });
    next();
  };
  return { registry, partnerCalls: createPartnerCallMetrics(registry), track };
}

/**
 * Open and flagged deliveries, counted by Temporal's visibility (the `NeedsAttention` search
 * attribute the workflow keeps) when Prometheus scrapes: no workflow or activity has to emit them.
 * A count that fails or takes too long is served as NaN, never as a stale number.
 */
function registerDeliveryGauges(registry: Registry, { client, taskQueue }: { client: Client; taskQueue: string }) {
  // Delivery workflows only: a drift-repair run or a stray job's cancel on the same queue is not a delivery.
  const open = `WorkflowType = "${WorkflowType.delivery}" AND TaskQueue = ${JSON.stringify(taskQueue)} AND ExecutionStatus = "Running"`;
  const count = async (query: string): Promise<number> => {
    try {
      // The deadline ends the call itself, so a Temporal that does not answer keeps nothing running.
      return (await client.withDeadline(Date.now() + COUNT_TIMEOUT_MS, () => client.workflow.count(query))).count;
    } catch {
      return NaN;
    }
  };
  new Gauge({
    name: DELIVERIES_OPEN,
    help: "Deliveries whose workflow is running on this bridge's task queue (Temporal visibility)",
    registers: [registry],
    async collect() {
      this.set(await count(open));
    },
  });
  new Gauge({
    name: DELIVERIES_FLAGGED,
    help: 'Open deliveries flagged for an operator (NeedsAttention = true, Temporal visibility)',
    registers: [registry],
    async collect() {
      this.set(await count(`${open} AND ${NeedsAttentionKey.name} = true`));
    },
  });
}
