/**
 * Prometheus metrics of the intake (`GET /metrics`): request durations per route and status, and
 * how Create service was answered (with the job, or PENDING before the job existed).
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface IntakeMetrics {
  registry: Registry;
  createAnswers: Counter<'outcome'>;
  track: RequestHandler;
}

export function createIntakeMetrics(): IntakeMetrics {
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
    name: 'delivery_bridge_create_service_answers_total',
    help: 'Create service answers: with the job created, or PENDING before it existed',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const track: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      // The matched route pattern, never the raw path: ids would explode the label set.
      const route = `${req.baseUrl}${(req.route as { path?: string } | undefined)?.path ?? ''}` || 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, createAnswers, track };
}
