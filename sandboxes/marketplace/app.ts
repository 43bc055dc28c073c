/**
 * The marketplace sandbox (seed 002, CONTRACT.md section 6): sends DELIVERY_REQUEST events to our
 * intake and receives our status callbacks, with the headers it handed out.
 */
import type { Express } from 'express';
import { createSandboxKit } from '../common/sandboxKit';
import { addMarketplaceAdminRoutes } from './adminRoutes';
import { createCallbackRouter } from './callbackRoutes';
import { CallbackStore } from './callbacks';
import type { MarketplaceSandboxHandle } from './handle';
import { HeaderSets } from './headerSets';
import { MarketplaceCaller } from './marketplaceCaller';
import { SEED_HEADERS, type MarketplaceSandboxOptions } from './options';

export function createMarketplaceApp(input: MarketplaceSandboxOptions = {}): {
  app: Express;
  sandbox: MarketplaceSandboxHandle;
} {
  const options = { ...input };
  const kit = createSandboxKit({ name: 'marketplace', faults: options.faults, logger: options.logger });
  const accepted = new HeaderSets(options.acceptedHeaders ?? [SEED_HEADERS]);
  const store = new CallbackStore();
  const caller = new MarketplaceCaller(options, accepted, kit.logger);

  const sandbox: MarketplaceSandboxHandle = {
    ...kit.controls,
    sendDeliveryRequest: (event) => caller.sendDeliveryRequest(event),
    callbacks: (deliveryId) => store.of(deliveryId),
    deliveries: () => store.summary(),
    acceptHeaders: (set) => accepted.accept(set),
    setIntake: (intake) => {
      options.intake = intake;
    },
  };

  addMarketplaceAdminRoutes(kit.admin, sandbox);
  kit.app.use(createCallbackRouter({ accepted, store, logger: kit.logger }));
  kit.seal();
  return { app: kit.app, sandbox };
}
