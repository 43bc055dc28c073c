/**
 * Instaleap's API as docs/partners.md "Delivery Engine" describes it (availability v2, slot check and
 * extension, jobs, payment info, cancel), every path behind `x-api-key`, plus a public tracking
 * page behind each job's tracking_url.
 */
import { Router, type Request } from 'express';
import {
  AvailabilityRequest,
  CancelJobRequest,
  CreateJobRequest,
  PaymentInfoRequest,
  RecipientUpdateRequest,
} from '../../contracts/deliveryEngine';
import { SandboxError, parseOr400 } from '../common/errors';
import { requireApiKey } from './auth';
import type { Engine } from './engine';

export function createEngineApiRouter(engine: Engine, apiKey: string): Router {
  const router = Router();

  // Public, like a real tracking link: no key, nothing personal.
  router.get('/tracking/:job_id', (req, res) => {
    const entry = engine.job(req.params.job_id);
    if (!entry) throw new SandboxError(404, 'Job not found');
    res.json({ job_id: entry.job.id, state: entry.job.state, end_time: entry.job.end_time });
  });

  router.use(requireApiKey(apiKey));

  router.post('/jobs/availability/v2', (req, res) => {
    res.json(engine.slots.offer(parseOr400(AvailabilityRequest, req.body)));
  });

  router.get('/jobs/availability/:slot_id/check', (req, res) => {
    res.json(engine.slots.check(req.params.slot_id));
  });

  router.put('/jobs/:slot_id/extend_expiration_time', (req, res) => {
    res.json(engine.slots.extend(req.params.slot_id));
  });

  router.post('/jobs', (req, res) => {
    res.json(engine.createJob(parseOr400(CreateJobRequest, req.body), baseUrl(req)));
  });

  router.get('/jobs/:job_id', (req, res) => {
    const { slot_id: _slot, cancel_reason: _reason, ...job } = engine.jobs.require(req.params.job_id).job;
    res.json(job);
  });

  router.put('/jobs/:job_id/payment_info', (req, res) => {
    const { payment } = parseOr400(PaymentInfoRequest, req.body);
    res.json(engine.setPayment(req.params.job_id, payment));
  });

  // The recipient's change: the call is ours (contracts/instaleapChoices.ts recipientPath).
  router.put('/jobs/:job_id/recipient', (req, res) => {
    const change = parseOr400(RecipientUpdateRequest, req.body);
    res.json(engine.changeRecipient(req.params.job_id, change));
  });

  router.post('/jobs/:job_id/cancel', (req, res) => {
    const { reason } = parseOr400(CancelJobRequest, req.body);
    res.json(engine.cancel(req.params.job_id, reason));
  });

  return router;
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
