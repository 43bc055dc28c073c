/**
 * The admin API every sandbox shares under /_sandbox: recorded calls, fault switches, health.
 * No authentication: sandboxes listen on loopback and are tooling, never exposed (docs/sandboxes.md).
 */
import { Router } from 'express';
import type { CallRecorder } from './callRecorder';
import { parseOr400 } from './errors';
import { FaultSettings, PartialFaultSettings, type FaultInjector } from './faults';

export function createAdminRouter(name: string, recorder: CallRecorder, faults: FaultInjector): Router {
  const router = Router();
  const startedAt = Date.now();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', sandbox: name, uptimeMs: Date.now() - startedAt });
  });

  router.get('/calls', (req, res) => {
    const method = typeof req.query.method === 'string' ? req.query.method : undefined;
    const path = typeof req.query.path === 'string' ? req.query.path : undefined;
    res.json(recorder.list({ method, path }));
  });
  router.delete('/calls', (_req, res) => {
    recorder.clear();
    res.status(204).end();
  });

  router.get('/faults', (_req, res) => {
    res.json(faults.current());
  });
  router.put('/faults', (req, res) => {
    const partial = parseOr400(PartialFaultSettings, req.body);
    res.json(faults.set(parseOr400(FaultSettings, { ...faults.current(), ...partial })));
  });
  router.delete('/faults', (_req, res) => {
    res.json(faults.reset());
  });

  return router;
}
