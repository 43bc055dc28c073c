/**
 * VTEX sandbox admin, under /_sandbox: play VTEX (create, cancel, pause a service, ask a rate), register services
 * by hand, read a service without a token, expire every token.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { ServiceStatus } from '../../contracts/vtex';
import { SandboxError, parseOr400 } from '../common/errors';
import type { VtexSandboxHandle } from './handle';
import { GET_SERVICE_FIELDS } from './options';
import { RegisterServiceInput } from './registration';

const ReasonBody = z.looseObject({ reason: z.string().nullish(), carrierId: z.string().min(1).optional() });
const PauseBody = z.looseObject({
  pause: z.boolean(),
  reason: z.string().nullish(),
  carrierId: z.string().min(1).optional(),
});

/** Changes behind the carrier's back (drift repair): see `VtexSandboxHandle.amendService`. */
const AmendBody = z.strictObject({
  status: ServiceStatus.optional(),
  dropNotes: z.number().int().min(0).optional(),
  dropEvidences: z.number().int().min(0).optional(),
  agent: z.null().optional(),
});

/** Fields Get service leaves out of its answer from now on ([]: the whole record). */
const GetServiceShapeBody = z.strictObject({ omit: z.array(z.enum(GET_SERVICE_FIELDS)) });

export function addVtexAdminRoutes(admin: Router, vtex: VtexSandboxHandle): void {
  admin.get('/services', (_req, res) => {
    res.json(vtex.services());
  });

  // Body: a Create service body, sent as is; no body: VTEX's guide's example with a fresh orderId.
  admin.post('/services', async (req, res) => {
    const hasBody = req.body !== undefined && req.body !== null && Object.keys(req.body as object).length > 0;
    res.json(await vtex.createService(hasBody ? (req.body as unknown) : undefined));
  });

  // VTEX's checkout asks for a rate: the Create service body (or the example) to the intake's rates.
  admin.post('/rates', async (req, res) => {
    const hasBody = req.body !== undefined && req.body !== null && Object.keys(req.body as object).length > 0;
    res.json(await vtex.requestRates(hasBody ? (req.body as unknown) : undefined));
  });

  admin.post('/services/register', (req, res) => {
    res.status(201).json(vtex.registerService(parseOr400(RegisterServiceInput, req.body)));
  });

  admin.get('/services/:carrierId/:serviceId', (req, res) => {
    const record = vtex.service(req.params.carrierId, req.params.serviceId);
    if (!record) throw new SandboxError(404, 'Service not found');
    res.json(record);
  });

  admin.patch('/services/:carrierId/:serviceId', (req, res) => {
    const record = vtex.amendService(req.params.carrierId, req.params.serviceId, parseOr400(AmendBody, req.body ?? {}));
    if (!record) throw new SandboxError(404, 'Service not found');
    res.json(record);
  });

  admin.post('/services/:serviceId/cancel', async (req, res) => {
    const body = parseOr400(ReasonBody, req.body ?? {});
    res.json(await vtex.cancelService(req.params.serviceId, body.reason ?? null, body.carrierId));
  });

  admin.post('/services/:serviceId/pause', async (req, res) => {
    const body = parseOr400(PauseBody, req.body ?? {});
    res.json(await vtex.pauseService(req.params.serviceId, body.pause, body.reason ?? null, body.carrierId));
  });

  admin.put('/get-service-shape', (req, res) => {
    const { omit } = parseOr400(GetServiceShapeBody, req.body ?? {});
    vtex.setGetServiceOmits(omit);
    res.json({ omit });
  });

  admin.post('/token/expire-now', (_req, res) => {
    res.json({ expired: vtex.expireTokens() });
  });
}
