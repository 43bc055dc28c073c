/**
 * The sandboxes of the three external systems: VTEX Pick and Pack, the Delivery Engine and the
 * Abbiamo. Each is a plain Express app (`create*App`) or a started server (`start*Sandbox`,
 * port 0 = a free port) with the same powers as its /_sandbox admin API. See docs/sandboxes.md.
 */
import type { Started } from './common/controls';
import { listen } from './common/listen';
import { createDeliveryEngineApp } from './deliveryEngine/app';
import type { EngineSandboxHandle } from './deliveryEngine/handle';
import type { EngineSandboxOptions } from './deliveryEngine/options';
import { createAbbiamoApp } from './abbiamo/app';
import type { AbbiamoSandboxHandle } from './abbiamo/handle';
import type { AbbiamoSandboxOptions } from './abbiamo/options';
import { createVtexApp } from './vtex/app';
import type { VtexSandboxHandle } from './vtex/handle';
import type { VtexSandboxOptions } from './vtex/options';

export interface ListenOptions {
  /** 0 (default): a free port */
  port?: number;
  /** default 127.0.0.1: the admin API has no authentication */
  host?: string;
}

export type VtexSandbox = VtexSandboxHandle & Started;

export async function startVtexSandbox(options: VtexSandboxOptions & ListenOptions): Promise<VtexSandbox> {
  const { app, sandbox } = createVtexApp(options);
  const server = await listen(app, options.port ?? 0, options.host);
  return { ...sandbox, url: server.url, port: server.port, close: () => server.close() };
}

export type EngineSandbox = EngineSandboxHandle & Started;

export async function startDeliveryEngineSandbox(
  options: EngineSandboxOptions & ListenOptions,
): Promise<EngineSandbox> {
  const { app, sandbox } = createDeliveryEngineApp(options);
  const server = await listen(app, options.port ?? 0, options.host);
  return {
    ...sandbox,
    url: server.url,
    port: server.port,
    close: async () => {
      // Scenarios and retries first, so nothing is sent once the sandbox says it is closed.
      sandbox.stop();
      await server.close();
    },
  };
}

export type AbbiamoSandbox = AbbiamoSandboxHandle & Started;

export async function startAbbiamoSandbox(
  options: AbbiamoSandboxOptions & ListenOptions = {},
): Promise<AbbiamoSandbox> {
  const { app, sandbox } = createAbbiamoApp(options);
  const server = await listen(app, options.port ?? 0, options.host);
  return {
    ...sandbox,
    url: server.url,
    port: server.port,
    close: async () => {
      // Confirmation timers first, so no cancellation is sent once the sandbox says it is closed.
      sandbox.stop();
      await server.close();
    },
  };
}

export { createDeliveryEngineApp, createAbbiamoApp, createVtexApp };
export type {
  EngineSandboxHandle,
  EngineSandboxOptions,
  AbbiamoSandboxHandle,
  AbbiamoSandboxOptions,
  VtexSandboxHandle,
  VtexSandboxOptions,
};
export type { DeliveryRequestResult } from './abbiamo/abbiamoCaller';
export type { ReceivedStatus, SandboxDelivery, SandboxDeliveryRow } from './abbiamo/deliveries';
export type { WebhookOptions } from './deliveryEngine/options';
export type { SandboxJobEvent } from './deliveryEngine/events';
export type { DeliveryAttempt, DeliveryFilter, WebhookBehaviour } from './deliveryEngine/webhookDispatcher';
export { SCENARIOS, type PlayRequest, type ScenarioName } from './deliveryEngine/scenarios';
export type { CreateServiceResult, VtexCallResult } from './vtex/vtexCaller';
export type { ServiceSummary } from './vtex/serviceStore';
export type { SandboxControls, Started } from './common/controls';
export type { CallFilter, CallRecord } from './common/callRecorder';
export type { FaultSettings, PartialFaultSettings } from './common/faults';
export { listen, type Listening } from './common/listen';
