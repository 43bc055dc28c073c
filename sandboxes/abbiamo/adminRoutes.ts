/** Abbiamo sandbox admin, under /_sandbox: send events, read deliveries and status calls, cancel, set the timeout. */
import type { Router } from 'express';
import { z } from 'zod';
import { parseOr400, SandboxError } from '../common/errors';
import type { AbbiamoSandboxHandle } from './handle';

const SendBody = z.looseObject({ event: z.unknown().optional() });
const CancelBody = z.strictObject({ force: z.boolean().optional() });
const PinBody = z.strictObject({ pincode: z.string().regex(/^\d{4}$/) });
const ReceiverBody = z.strictObject({
  customer: z.record(z.string(), z.unknown()).optional(),
  destination_address: z.record(z.string(), z.unknown()).optional(),
});
const TimeoutBody = z.strictObject({
  ms: z
    .number()
    .int()
    .positive()
    .max(24 * 3600_000),
});

export function addAbbiamoAdminRoutes(admin: Router, abbiamo: AbbiamoSandboxHandle): void {
  admin.post('/events', async (req, res) => {
    const { event } = parseOr400(SendBody, req.body ?? {});
    res.json(await abbiamo.sendDeliveryRequest(event));
  });

  admin.get('/deliveries', (_req, res) => {
    res.json(abbiamo.deliveries());
  });

  admin.get('/deliveries/:delivery_id', (req, res) => {
    const delivery = abbiamo.delivery(req.params.delivery_id);
    if (!delivery) throw new SandboxError(404, `No delivery ${req.params.delivery_id}`);
    res.json(delivery);
  });

  admin.get('/deliveries/:delivery_id/events', (req, res) => {
    res.json(abbiamo.statusCalls(req.params.delivery_id));
  });

  admin.post('/deliveries/:delivery_id/cancel', async (req, res) => {
    const { force } = parseOr400(CancelBody, req.body ?? {});
    res.json(await abbiamo.cancelDelivery(req.params.delivery_id, { force: force ?? false }));
  });

  admin.post('/deliveries/:delivery_id/receiver', async (req, res) => {
    res.json(await abbiamo.changeReceiver(req.params.delivery_id, parseOr400(ReceiverBody, req.body ?? {})));
  });

  admin.post('/deliveries/:delivery_id/pickup-pin', async (req, res) => {
    const { pincode } = parseOr400(PinBody, req.body ?? {});
    res.json(await abbiamo.validatePickupPin(req.params.delivery_id, pincode));
  });

  admin.put('/confirmation-timeout', (req, res) => {
    const { ms } = parseOr400(TimeoutBody, req.body ?? {});
    abbiamo.setConfirmationTimeout(ms);
    res.json({ confirmationTimeoutMs: ms });
  });
}
