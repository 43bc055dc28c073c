/**
 * Prometheus metrics of the intake (`GET /metrics` on API_METRICS_PORT, never on the public intake
 * port; docs/observability.md "Metrics"): request durations per route and status; Create service answers and their
 * latency by outcome (with the job, PENDING before the job existed, or refused); the Delivery Engine
 * calls the intake makes itself (rates); and, read from Temporal's visibility at most once per
 * interval however often it is scraped, how many deliveries are open and how many are flagged.
 */
import type { Client } from '@temporalio/client';
import express, { type Express, type RequestHandler, type Response } from 'express';
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

/** Prometheus's own default: a scrape every 15 s costs Temporal one count of each gauge. */
export const DEFAULT_COUNT_INTERVAL_MS = 15_000;

export interface VisibilityCounts {
  client: Client;
  taskQueue: string;
  /** Counts are taken at most once per this interval; scrapes between them get the last counts. */
  countIntervalMs?: number;
  /** The counts' clock (tests). */
  now?: () => number;
}

export interface IntakeMetricsDeps {
  /** Counts the deliveries of this task queue; none: those gauges are not served. */
  visibility?: VisibilityCounts;
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
 * attribute the workflow keeps): no workflow or activity has to emit them. The visibility store is
 * what deliveries depend on, so a scrape never costs it more than one count of each per interval:
 * scrapes within an interval, or while a count is under way, share it. A count that fails or takes
 * too long is served as NaN (for that interval), never as a stale number.
 */
function registerDeliveryGauges(registry: Registry, visibility: VisibilityCounts) {
  const { client, taskQueue } = visibility;
  const intervalMs = visibility.countIntervalMs ?? DEFAULT_COUNT_INTERVAL_MS;
  const now = visibility.now ?? Date.now;
  // Delivery workflows only: a drift-repair run or a stray job's cancel on the same queue is not a delivery.
  const open = `WorkflowType = "${WorkflowType.delivery}" AND TaskQueue = ${JSON.stringify(taskQueue)} AND ExecutionStatus = "Running"`;
  const flagged = `${open} AND ${NeedsAttentionKey.name} = true`;
  const count = async (query: string): Promise<number> => {
    try {
      // The deadline ends the call itself, so a Temporal that does not answer keeps nothing running.
      return (await client.withDeadline(Date.now() + COUNT_TIMEOUT_MS, () => client.workflow.count(query))).count;
    } catch {
      return NaN;
    }
  };
  let taken: { at: number; counts: Promise<{ open: number; flagged: number }> } | undefined;
  const counts = () => {
    if (!taken || now() - taken.at >= intervalMs)
      taken = {
        at: now(),
        counts: Promise.all([count(open), count(flagged)]).then(([o, f]) => ({ open: o, flagged: f })),
      };
    return taken.counts;
  };
  new Gauge({
    name: DELIVERIES_OPEN,
    help: "Deliveries whose workflow is running on this bridge's task queue (Temporal visibility)",
    registers: [registry],
    async collect() {
      this.set((await counts()).open);
    },
  });
  new Gauge({
    name: DELIVERIES_FLAGGED,
    help: 'Open deliveries flagged for an operator (NeedsAttention = true, Temporal visibility)',
    registers: [registry],
    async collect() {
      this.set((await counts()).flagged);
    },
  });
}

/**
 * The intake's `GET /metrics` as an app of its own, for a listener of its own (API_METRICS_PORT):
 * on the public port anyone could read it and make it count (docs/security.md).
 */
export function metricsApp(metrics: Pick<IntakeMetrics, 'registry'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('GET /metrics only');
  });
  return app;
}
