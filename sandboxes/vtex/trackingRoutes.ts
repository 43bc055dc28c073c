/**
 * The tracking hook API the carrier calls (VTEX's guide "Update shipping services"): JWT first, then the
 * body checked strictly against the shared contract, then the service (404 before its confirmation),
 * then VTEX's guide's documented success answer.
 */
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  CancelHookRequest,
  EvidencesRequest,
  LabelRequest,
  NotesRequest,
  OnHoldHookRequest,
  TrackingUpdate,
  type ServiceRecord,
} from '../../contracts/vtex';
import { SandboxError, parseOr400 } from '../common/errors';
import { requireJwt } from './auth';
import type { ResolvedVtexOptions } from './options';
import { registerKnown } from './registration';
import { addEvidences, addLabel, addNotes, applyUpdate, cancelByCarrier, holdByCarrier } from './serviceRecords';
import { ownPart, type ServiceStore } from './serviceStore';
import type { TokenIssuer } from './tokens';

export function createTrackingRouter(deps: {
  store: ServiceStore;
  issuer: TokenIssuer;
  options: ResolvedVtexOptions;
  logger: Logger;
}): Router {
  const { store, issuer, options, logger } = deps;
  const router = Router();
  router.use(
    '/tracking/hook',
    requireJwt(issuer, () => options.expiredTokenStatus),
  );

  /** The service a call names, registering an unknown one when the run allows it. */
  const serviceFor = (req: Request): ServiceRecord => {
    const carrierId = String(req.params.carrierId);
    const serviceId = ownPart(carrierId, String(req.params.serviceId));
    const known = store.find(carrierId, serviceId);
    if (known) {
      // VTEX's guide: the creation is confirmed 5 s after the carrier answered; earlier, VTEX has no service.
      if (!store.isConfirmed(known)) throw new SandboxError(404, 'Service not found');
      return known.record;
    }
    if (options.unknownServices === 'reject') throw new SandboxError(404, 'Service not found');
    logger.info({ carrierId, serviceId }, 'unknown service registered by its first tracking call');
    return registerKnown(store, { carrierId, serviceId }, 'tracking-call', options.carrierName).record;
  };

  /** One POST hook: validate, find, change the record, answer VTEX's guide's message with the body. */
  const hook = <S extends z.ZodType>(
    path: string,
    schema: S,
    message: string,
    change: (record: ServiceRecord, body: z.output<S>, at: string) => void,
  ) => {
    router.post(`/tracking/hook/${path}/:carrierId/:serviceId`, (req, res) => {
      const body = parseOr400(schema, req.body);
      const record = serviceFor(req);
      change(record, body, new Date().toISOString());
      logger.info(
        { carrierId: record.carrierId, serviceId: record.serviceId, hook: path, status: record.status },
        'tracking hook call applied',
      );
      res.json({ message, data: req.body as unknown });
    });
  };

  router.get('/tracking/hook/:carrierId/:serviceId', (req, res) => {
    res.json({ message: 'success', data: serviceFor(req) });
  });

  router.patch('/tracking/hook/:carrierId/:serviceId', (req, res) => {
    const update = parseOr400(TrackingUpdate, req.body);
    const record = serviceFor(req);
    applyUpdate(record, update, new Date().toISOString());
    logger.info({ carrierId: record.carrierId, serviceId: record.serviceId, status: record.status }, 'service updated');
    res.json({ message: 'Service updated successfully', data: req.body as unknown });
  });

  hook('notes', NotesRequest, 'Notes saved successfully', addNotes);
  hook('evidences', EvidencesRequest, 'Evidences saved successfully', addEvidences);
  hook('labels', LabelRequest, 'Label saved successfully', addLabel);
  hook('cancel', CancelHookRequest, 'Service canceled successfully', cancelByCarrier);
  hook('on-hold', OnHoldHookRequest, 'Service on hold successfully', holdByCarrier);

  return router;
}
