/**
 * The Delivery Engine sandbox, faithful to Instaleap (docs/partners.md "Delivery Engine",
 * docs/sandboxes.md): slot lists over a window, jobs, payment-info holds, and each job's events,
 * signed, sent to the account's webhook URLs at least once, in order or not, as the run asks.
 */
import type { Express } from 'express';
import { createSandboxKit } from '../common/sandboxKit';
import { addEngineAdminRoutes } from './adminRoutes';
import { createEngineApiRouter } from './apiRoutes';
import { Engine } from './engine';
import type { EngineSandboxHandle } from './handle';
import type { EngineSandboxOptions } from './options';

export function createDeliveryEngineApp(options: EngineSandboxOptions): { app: Express; sandbox: EngineSandboxHandle } {
  if (!options.apiKey) throw new Error('Delivery Engine sandbox: apiKey is required');
  if (!options.webhookSecret) throw new Error('Delivery Engine sandbox: webhookSecret is required');
  const kit = createSandboxKit({ name: 'delivery-engine', faults: options.faults, logger: options.logger });
  const engine = new Engine(options, kit.logger);
  const copy = <T>(value: T): T => structuredClone(value);

  const sandbox: EngineSandboxHandle = {
    ...kit.controls,
    emit: (jobId, type, overrides) => copy(engine.emit(jobId, type, overrides)),
    play: (jobId, scenario, stepMs) => engine.play(jobId, scenario, stepMs),
    jobs: () => engine.jobs.all().map((e) => copy(e.job)),
    job: (jobId) => {
      const entry = engine.job(jobId);
      return entry && copy(entry.job);
    },
    jobsByClientReference: (reference) => engine.jobs.byReference(reference).map((e) => copy(e.job)),
    events: (jobId) => copy(engine.job(jobId)?.events ?? []),
    blockingPolicies: (jobId) => [...(engine.job(jobId)?.blockingPolicies ?? [])],
    slots: () => engine.slots.list(),
    expireSlots: () => engine.slots.expireAll(),
    webhookUrls: () => engine.dispatcher.urls(),
    setWebhookUrls: (urls) => engine.dispatcher.setUrls(urls),
    deliveries: (filter) => engine.dispatcher.deliveries(filter),
    webhookBehaviour: () => engine.dispatcher.behaviour(),
    setWebhookBehaviour: (behaviour) => engine.dispatcher.setBehaviour(behaviour),
    idle: () => engine.work.idle(),
    stop: () => engine.stop(),
  };

  addEngineAdminRoutes(kit.admin, sandbox);
  kit.app.use(createEngineApiRouter(engine, options.apiKey));
  kit.seal();
  return { app: kit.app, sandbox };
}
