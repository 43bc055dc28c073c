/** VTEX Pick and Pack calls us here (VTEX's guide: Create, Cancel and Pause service). */
import { Router } from 'express';
import { CancelServiceRequest, CreateServiceRequest, PauseServiceRequest, pauseRequested } from '../../contracts/vtex';
import { VTEX_SERVICE_ID_PATTERN } from '../../mapping/ids';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { vtexRateAnswer } from '../../mapping/vtexRate';
import type { DeliveryGateway } from '../deliveries';
import { recordCreateOutcome } from '../metrics';
import { badRequest, notFound, parseBody } from '../errors';
import type { RateQuoter } from '../rates';
import { packagesOf } from '../../mapping/labelContent';
import { vtexLabels } from '../../security/labelLinks';
import type { LabelSigner } from '../../security/labelSigning';

export interface VtexRouteDeps {
  gateway: DeliveryGateway;
  creationGraceMs: number;
  /** VTEX_CARRIER_ID: Create service for any other carrier is refused. */
  carrierId: string;
  /** POST /rates: quotes from the engine's availability, cached. */
  quoter: RateQuoter;
  /** Signs the packages' label URLs of the Create answer (the workflow reads no secret: signed here). */
  labelSigner: LabelSigner;
}

/**
 * Our serviceId as VTEX sends it back: plain, in VTEX's own `{carrierId}&{serviceId}` form, or
 * only in the metaData of our Create answer. Only a VTEX delivery's id of ours is taken: anything
 * else (an Abbiamo delivery's, an id too long for Temporal, garbage) is no service of ours at
 * VTEX, and is answered without asking Temporal.
 */
export function vtexServiceIdOf(body: {
  serviceId: string;
  metaData?: Record<string, unknown> | null;
}): string | undefined {
  const fromMeta = body.metaData?.serviceId;
  const candidates = [
    body.serviceId,
    body.serviceId.split('&').pop() ?? '',
    typeof fromMeta === 'string' ? fromMeta : '',
  ];
  return candidates.find((c) => VTEX_SERVICE_ID_PATTERN.test(c));
}

function requireServiceId(body: { serviceId: string; metaData?: Record<string, unknown> | null }): string {
  const serviceId = vtexServiceIdOf(body);
  if (!serviceId)
    throw notFound('Unknown service', [
      { path: 'serviceId', message: 'not a VTEX service of this carrier (ours are vtex-<orderId>-<10 characters>)' },
    ]);
  return serviceId;
}

/** Create service (and a rate) names the carrier it is for: ours only. */
export function requireOurCarrier(body: { carrierId: string }, carrierId: string): void {
  if (body.carrierId !== carrierId)
    throw badRequest('The request is for another carrier', [
      { path: 'carrierId', message: "is not this carrier's VTEX carrierId" },
    ]);
}

export function vtexRoutes({ gateway, creationGraceMs, carrierId, quoter, labelSigner }: VtexRouteDeps): Router {
  const router = Router();

  router.post('/services', async (req, res) => {
    const receivedAt = res.locals.receivedAt as number;
    const body = parseBody(CreateServiceRequest, req.body);
    requireOurCarrier(body, carrierId);
    const input = mapVtexCreateService(body, { now: new Date(receivedAt), creationGraceMs });
    const { answer, afterAnswer } = await gateway.createService(input, receivedAt);
    res.once('finish', afterAnswer);
    recordCreateOutcome(res, answer.metaData && 'jobId' in answer.metaData ? 'with-job' : 'pending-before-job');
    const labels = vtexLabels(labelSigner, input.serviceId, packagesOf(input).length);
    res.status(200).json({ ...answer, labels: [...answer.labels, ...labels] });
  });

  // VTEX's rates: the Create service body, answered with the engine's price and date; starts nothing.
  router.post('/rates', async (req, res) => {
    const receivedAt = res.locals.receivedAt as number;
    const body = parseBody(CreateServiceRequest, req.body);
    requireOurCarrier(body, carrierId);
    const input = mapVtexCreateService(body, { now: new Date(receivedAt), creationGraceMs });
    const { slot, cached } = await quoter.quote(input, receivedAt);
    res.setHeader('x-rate-cache', cached ? 'hit' : 'miss');
    res.status(200).json(vtexRateAnswer(input, slot, new Date()));
  });

  router.post('/services/cancel', async (req, res) => {
    const body = parseBody(CancelServiceRequest, req.body);
    const reason = body.reason ?? 'Canceled by VTEX';
    await gateway.cancel(requireServiceId(body), body.carrierId, reason, {}, 'vtex');
    res.status(200).json({
      message: 'Service executed successfully',
      data: { serviceId: body.serviceId, carrierId: body.carrierId, reason },
    });
  });

  router.post('/services/pause', async (req, res) => {
    const body = parseBody(PauseServiceRequest, req.body);
    const pause = pauseRequested(body);
    const reason = body.reason ?? (pause ? 'Paused by VTEX' : 'Resumed by VTEX');
    await gateway.pause(requireServiceId(body), body.carrierId, pause, reason, 'vtex');
    // VTEX's PauseResumeServiceResponse: `reason` is a required string; `pause` says what was done.
    res.status(200).json({
      message: 'Service executed successfully',
      data: { serviceId: body.serviceId, carrierId: body.carrierId, pause, reason },
    });
  });

  return router;
}
