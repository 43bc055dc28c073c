/**
 * Operators' commands over HTTP, under /operator (operator tokens only, api/auth.ts): the list of
 * deliveries that need them, one command to one delivery, bulk cancel / pause / resume by a
 * visibility query, and where a bulk operation stands. Who acted (`by`) is the token's
 * fingerprint, never the token; why is required. The work is api/operatorDesk.ts's.
 */
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { AttentionListQuery, BatchJobId, BulkRequest, OperatorCommandRequest } from '../../contracts/operations';
import { SERVICE_ID_PATTERN } from '../../mapping/ids';
import { bearerOf } from '../auth';
import { badRequest, notFound, parseBody } from '../errors';
import type { OperatorDesk } from '../operatorDesk';
import { fieldErrors } from '../../contracts/common';

/**
 * Who an operator is, as the timeline says it: `operator-` and the first 12 hex digits of the
 * SHA-256 of their token. One token per operator in OPERATOR_TOKENS names each of them; the
 * fingerprint reveals nothing of the token (docs/security.md "Callers").
 */
export function operatorIdentity(token: string): string {
  return `operator-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

function identityOf(req: Request): string {
  // requireRole let the request in, so the token is there.
  return operatorIdentity(bearerOf(req.get('authorization')) ?? '');
}

export function operatorCommandRoutes({ desk }: { desk: OperatorDesk }): Router {
  const router = Router();

  router.get('/deliveries', async (req, res) => {
    const parsed = AttentionListQuery.safeParse({ ...(req.query as Record<string, unknown>) });
    if (!parsed.success) throw badRequest('The query string does not match', fieldErrors(parsed.error));
    const { stuckFor, flagged, limit } = parsed.data;
    const deliveries = await desk.attention({
      ...(stuckFor === undefined ? {} : { stuckForMs: stuckFor }),
      ...(flagged === undefined ? {} : { flagged }),
      limit,
    });
    res.json({ count: deliveries.length, deliveries });
  });

  router.post('/deliveries/:serviceId/commands', async (req, res) => {
    const { serviceId } = req.params as { serviceId: string };
    if (!SERVICE_ID_PATTERN.test(serviceId))
      throw notFound('Unknown service', [{ path: 'serviceId', message: 'not a service id of ours' }]);
    const command = parseBody(OperatorCommandRequest, req.body);
    const by = identityOf(req);
    await desk.command(serviceId, command, by);
    res.status(202).json({ serviceId, ...command, by, follow: `/deliveries/${serviceId}` });
  });

  router.post('/bulk', async (req, res) => {
    const request = parseBody(BulkRequest, req.body);
    const started = await desk.bulk(request, identityOf(req));
    res.status(202).json({ ...started, follow: `/operator/bulk/${started.jobId}` });
  });

  router.get('/bulk/:jobId', async (req, res) => {
    const { jobId } = req.params as { jobId: string };
    if (!BatchJobId.safeParse(jobId).success)
      throw notFound('Unknown bulk operation', [{ path: 'jobId', message: 'not a batch job id' }]);
    res.json(await desk.batch(jobId));
  });

  return router;
}
