/**
 * Every activity the worker registers, built from its dependencies (STYLE: dependency injection
 * through a factory), so tests hand in other HTTP clients or token caches.
 */
import type { ServiceConfig } from '../config';
import { createDeliveryEngineActivities } from './deliveryEngine';
import { createSealer } from '../security/sealing';
import { createHttpClient } from './http';
import { createMarketplaceActivities } from './marketplace';
import { createVtexActivities } from './vtex';
import { VtexTokenCache } from './vtexToken';

export interface ActivityDeps {
  config: Pick<ServiceConfig, 'publicUrl' | 'vtex' | 'deliveryEngine' | 'marketplace' | 'secretsKey'>;
  /** Shared by every activity of the process; made here when not given. */
  vtexTokens?: VtexTokenCache;
}

export function createActivities({ config, vtexTokens }: ActivityDeps) {
  const tokens =
    vtexTokens ?? new VtexTokenCache(createHttpClient('VTEX auth', config.vtex.authUrl), config.vtex.apiKey);
  return {
    ...createDeliveryEngineActivities({
      engine: createHttpClient('Delivery Engine', config.deliveryEngine.url),
      apiKey: config.deliveryEngine.apiKey,
      webhookUrl: `${config.publicUrl}/delivery-engine/webhooks`,
      webhookSecret: config.deliveryEngine.webhookSecret,
    }),
    ...createVtexActivities({ tracking: createHttpClient('VTEX', config.vtex.trackingUrl), tokens }),
    ...createMarketplaceActivities({
      marketplace: createHttpClient('Abbiamo', config.marketplace.url),
      sealer: createSealer(config.secretsKey),
      carrierKey: config.marketplace.carrierKey,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
