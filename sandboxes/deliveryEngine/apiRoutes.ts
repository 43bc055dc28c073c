/**
 * The Delivery Engine API of docs/partners.md "Delivery Engine" (the engine's Create a Job and Instaleap's slot
 * endpoints), plus a public tracking page behind each job's tracking_url.
 */
import { Router, type Request } from 'express';
import {
  AvailabilityRequest,
  CancelJobRequest,
  CreateJobRequest,
  HoldJobRequest,
} from '../../contracts/deliveryEngine';
import { SandboxError, parseOr400 } from '../common/errors';
import { requireApiKey } from './auth';
import type { Engine } from './engine';

/** A window that ends before it starts is no window. */
const AvailabilityBody = AvailabilityRequest.refine(
  (r) => !r.window || Date.parse(r.window.ends_at) > Date.parse(r.window.starts_at),
  {
    message: 'must end after it starts',
    path: ['window', 'ends_at'],
  },
);

export function createEngineApiRouter(engine: Engine, apiKey: string): Router {
  const router = Router();

  // Public, like a real tracking link: no key, nothing personal.
  router.get('/tracking/:job_id', (req, res) => {
    const entry = engine.job(req.params.job_id);
    if (!entry) throw new SandboxError(404, 'Job not found');
    res.json({
      job_id: entry.job.job_id,
      status: entry.job.status,
      last_event: entry.job.last_event,
      courier: entry.resource?.name ?? null,
    });
  });

  router.use(requireApiKey(apiKey));

  router.post('/jobs/availability', (req, res) => {
    res.json(engine.slots.offer(parseOr400(AvailabilityBody, req.body)));
  });

  router.get('/jobs/availability/:slot_id/check', (req, res) => {
    res.json(engine.slots.check(req.params.slot_id));
  });

  router.put('/jobs/:slot_id/extend-expiration-time', (req, res) => {
    res.json(engine.slots.extend(req.params.slot_id));
  });

  router.post('/jobs', (req, res) => {
    const { created, answer } = engine.createJob(parseOr400(CreateJobRequest, req.body), baseUrl(req));
    res.status(created ? 201 : 200).json(answer);
  });

  router.get('/jobs/:job_id', (req, res) => {
    res.json(engine.jobs.require(req.params.job_id).job);
  });

  router.post('/jobs/:job_id/cancel', (req, res) => {
    const { reason } = parseOr400(CancelJobRequest, req.body);
    res.json(engine.cancel(req.params.job_id, reason));
  });

  router.post('/jobs/:job_id/hold', (req, res) => {
    const { on_hold, reason } = parseOr400(HoldJobRequest, req.body);
    res.json(engine.hold(req.params.job_id, on_hold, reason));
  });

  return router;
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
