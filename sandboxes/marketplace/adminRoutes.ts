/** Marketplace sandbox admin, under /_sandbox: send DELIVERY_REQUESTs, read the callbacks received. */
import type { Router } from 'express';
import { z } from 'zod';
import { parseOr400 } from '../common/errors';
import type { MarketplaceSandboxHandle } from './handle';

const SendBody = z.looseObject({ event: z.unknown().optional() });
const HeaderSet = z
  .record(z.string().min(1), z.string())
  .refine((set) => Object.keys(set).length > 0, 'give at least one header');

export function addMarketplaceAdminRoutes(admin: Router, marketplace: MarketplaceSandboxHandle): void {
  admin.post('/events', async (req, res) => {
    const { event } = parseOr400(SendBody, req.body ?? {});
    res.json(await marketplace.sendDeliveryRequest(event));
  });

  admin.get('/deliveries', (_req, res) => {
    res.json(marketplace.deliveries());
  });

  admin.get('/deliveries/:delivery_id/events', (req, res) => {
    res.json(marketplace.callbacks(req.params.delivery_id));
  });

  admin.post('/headers', (req, res) => {
    marketplace.acceptHeaders(parseOr400(HeaderSet, req.body));
    res.status(204).end();
  });
}
