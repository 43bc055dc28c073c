/**
 * Every activity the worker registers, built from its dependencies (STYLE: dependency injection
 * through a factory), so tests hand in other HTTP clients or token caches.
 */
import type { ServiceConfig } from '../config';
import { createDeliveryEngineActivities } from './deliveryEngine';
import { createSealer } from '../security/sealing';
import { createHttpClient } from './http';
import { createMarketplaceActivities } from './marketplace';
import { createOperationsActivities, type ReconcileObserver } from './operations';
import { createVtexActivities } from './vtex';
import { VtexTokenCache } from './vtexToken';

export interface ActivityDeps {
  config: Pick<ServiceConfig, 'publicUrl' | 'vtex' | 'deliveryEngine' | 'marketplace' | 'secretsKey'>;
  /** Shared by every activity of the process; made here when not given. */
  vtexTokens?: VtexTokenCache;
  /** Drift repair's counters (README "Operators"); none when not given. */
  reconcileObserver?: ReconcileObserver;
}

export function createActivities({ config, vtexTokens, reconcileObserver }: ActivityDeps) {
  const tokens =
    vtexTokens ?? new VtexTokenCache(createHttpClient('VTEX auth', config.vtex.authUrl), config.vtex.apiKey);
  const vtex = createVtexActivities({ tracking: createHttpClient('VTEX', config.vtex.trackingUrl), tokens });
  const marketplace = createHttpClient('Abbiamo', config.marketplace.url);
  return {
    ...createDeliveryEngineActivities({
      engine: createHttpClient('Delivery Engine', config.deliveryEngine.url),
      apiKey: config.deliveryEngine.apiKey,
      webhookUrl: `${config.publicUrl}/delivery-engine/webhooks`,
      webhookSecret: config.deliveryEngine.webhookSecret,
    }),
    ...vtex,
    ...createMarketplaceActivities({
      marketplace,
      sealer: createSealer(config.secretsKey),
      carrierKey: config.marketplace.carrierKey,
    }),
    ...createOperationsActivities({
      readVtex: vtex.vtexGetService,
      marketplace,
      carrierKey: config.marketplace.carrierKey,
      ...(reconcileObserver ? { observer: reconcileObserver } : {}),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
