/** VTEX Pick and Pack calls us here (seed 003: Create, Cancel and Pause service). */
import { Router } from 'express';
import type { Counter } from 'prom-client';
import { CancelServiceRequest, CreateServiceRequest, PauseServiceRequest } from '../../contracts/vtex';
import { SERVICE_ID_PATTERN } from '../../mapping/ids';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import type { DeliveryGateway } from '../deliveries';
import { parseBody } from '../errors';

export interface VtexRouteDeps {
  gateway: DeliveryGateway;
  creationGraceMs: number;
  createAnswers?: Counter<'outcome'>;
}

/**
 * Our serviceId as VTEX sends it back: plain, in VTEX's own `{carrierId}&{serviceId}` form, or
 * only in the metaData of our Create answer.
 */
export function serviceIdOf(body: { serviceId: string; metaData?: Record<string, unknown> | null }): string {
  const fromMeta = body.metaData?.serviceId;
  const candidates = [
    body.serviceId,
    body.serviceId.split('&').pop() ?? '',
    typeof fromMeta === 'string' ? fromMeta : '',
  ];
  return candidates.find((c) => SERVICE_ID_PATTERN.test(c)) ?? body.serviceId;
}

export function vtexRoutes({ gateway, creationGraceMs, createAnswers }: VtexRouteDeps): Router {
  const router = Router();

  router.post('/services', async (req, res) => {
    const receivedAt = res.locals.receivedAt as number;
    const body = parseBody(CreateServiceRequest, req.body);
    const input = mapVtexCreateService(body, { now: new Date(receivedAt), creationGraceMs });
    const { answer, afterAnswer } = await gateway.createService(input, receivedAt);
    res.once('finish', afterAnswer);
    createAnswers?.inc({ outcome: answer.metaData && 'jobId' in answer.metaData ? 'with-job' : 'pending-before-job' });
    res.status(200).json(answer);
  });

  router.post('/services/cancel', async (req, res) => {
    const body = parseBody(CancelServiceRequest, req.body);
    const reason = body.reason ?? 'Canceled by VTEX';
    await gateway.cancel(serviceIdOf(body), body.carrierId, reason);
    res.status(200).json({
      message: 'Service executed successfully',
      data: { serviceId: body.serviceId, carrierId: body.carrierId, reason: body.reason ?? null },
    });
  });

  router.post('/services/pause', async (req, res) => {
    const body = parseBody(PauseServiceRequest, req.body);
    const reason = body.reason ?? (body.pause ? 'Paused by VTEX' : 'Resumed by VTEX');
    await gateway.pause(serviceIdOf(body), body.carrierId, body.pause, reason);
    res.status(200).json({
      message: 'Service executed successfully',
      data: { serviceId: body.serviceId, carrierId: body.carrierId, pause: body.pause, reason: body.reason ?? null },
    });
  });

  return router;
}
