/** Probes: `healthz` says the process lives; `readyz` that Temporal answers (503 while it does not). */
import { Router } from 'express';
import type { ConnectionLike } from '@temporalio/client';

export function healthRoutes({ connection }: { connection: ConnectionLike }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await connection.withDeadline(Date.now() + 1500, () => connection.workflowService.getSystemInfo({}));
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch {
      // No error text: it can name internal addresses (docs/security.md).
      res.status(503).json({ status: 'unavailable', temporal: 'unreachable' });
    }
  });
  return router;
}
