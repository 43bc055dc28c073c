/**
 * Delivery Engine sandbox admin, under /_sandbox: register the account's webhook URLs, drive jobs
 * (one event, or a whole scenario), look at jobs, slots and webhook deliveries, and switch duplicate
 * / reordered delivery.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { SandboxError, parseOr400 } from '../common/errors';
import type { EngineSandboxHandle } from './handle';
import { SCENARIO_NAMES } from './scenarios';
import { WebhookBehaviour } from './webhookDispatcher';

const EmitBody = z.looseObject({ type: z.string().trim().min(1) });
const ScenarioBody = z
  .strictObject({
    name: z.enum(SCENARIO_NAMES).optional(),
    stepMs: z.number().int().nonnegative().max(3_600_000).optional(),
    types: z.array(z.string().trim().min(1)).min(1).optional(),
  })
  .refine((b) => b.name !== undefined || b.types !== undefined, {
    message: 'give a scenario name or a list of types',
    path: ['name'],
  });
const WebhookUrlsBody = z.strictObject({ urls: z.array(z.string().url()).max(3) });
const IdleQuery = z.object({ timeoutMs: z.coerce.number().int().positive().max(600_000).default(30_000) });

export function addEngineAdminRoutes(admin: Router, engine: EngineSandboxHandle): void {
  admin.get('/jobs', (req, res) => {
    const reference = req.query.client_reference;
    if (typeof reference === 'string') {
      res.json(engine.jobsByClientReference(reference));
      return;
    }
    res.json(engine.jobs());
  });

  admin.get('/jobs/:jobId', (req, res) => {
    const job = engine.job(req.params.jobId);
    if (!job) throw new SandboxError(404, 'Job not found');
    res.json({
      job,
      events: engine.events(req.params.jobId),
      blockingPolicies: engine.blockingPolicies(req.params.jobId),
    });
  });

  admin.post('/jobs/:jobId/events', (req, res) => {
    const { type, ...overrides } = parseOr400(EmitBody, req.body);
    res.status(201).json(engine.emit(req.params.jobId, type, overrides));
  });

  admin.post('/jobs/:jobId/scenario', (req, res) => {
    const body = parseOr400(ScenarioBody, req.body);
    res.status(202).json(engine.play(req.params.jobId, body.types ?? body.name ?? 'happy', body.stepMs));
  });

  admin.get('/slots', (_req, res) => {
    res.json(engine.slots());
  });
  admin.post('/slots/expire-now', (_req, res) => {
    res.json({ expired: engine.expireSlots() });
  });

  admin.get('/deliveries', (req, res) => {
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    res.json(
      engine.deliveries({
        jobId: text(req.query.jobId),
        eventId: text(req.query.eventId),
        type: text(req.query.type),
        url: text(req.query.url),
      }),
    );
  });

  admin.get('/webhook-urls', (_req, res) => {
    res.json({ urls: engine.webhookUrls() });
  });
  admin.put('/webhook-urls', (req, res) => {
    res.json({ urls: engine.setWebhookUrls(parseOr400(WebhookUrlsBody, req.body).urls) });
  });

  admin.get('/webhooks', (_req, res) => {
    res.json(engine.webhookBehaviour());
  });
  admin.put('/webhooks', (req, res) => {
    res.json(engine.setWebhookBehaviour(parseOr400(WebhookBehaviour.partial(), req.body)));
  });

  // For test tools outside this process: answers once no delivery or scenario is pending.
  admin.get('/idle', async (req, res) => {
    const { timeoutMs } = parseOr400(IdleQuery, req.query);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const done = await Promise.race([engine.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    if (done) throw new SandboxError(504, `Still busy after ${timeoutMs} ms`);
    res.json({ idle: true });
  });
}
