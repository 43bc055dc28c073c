/**
 * The VTEX Pick and Pack sandbox (VTEX's guide, docs/partners.md "VTEX"): POST /token, the tracking hook
 * API, and VTEX's side of Create / Cancel / Pause service played toward our intake.
 */
import type { Express } from 'express';
import { createSandboxKit } from '../common/sandboxKit';
import { addVtexAdminRoutes } from './adminRoutes';
import type { VtexSandboxHandle } from './handle';
import { resolveVtexOptions, type VtexSandboxOptions } from './options';
import { registerKnown } from './registration';
import { ServiceStore } from './serviceStore';
import { TokenIssuer } from './tokens';
import { createTokenRouter } from './tokenRoutes';
import { createTrackingRouter } from './trackingRoutes';
import { VtexCaller } from './vtexCaller';

export function createVtexApp(input: VtexSandboxOptions): { app: Express; sandbox: VtexSandboxHandle } {
  const options = resolveVtexOptions(input);
  const kit = createSandboxKit({ name: 'vtex', faults: options.faults, logger: options.logger });
  const store = new ServiceStore();
  const issuer = new TokenIssuer(options.tokenTtlSeconds);
  const caller = new VtexCaller(store, options, kit.logger);

  const sandbox: VtexSandboxHandle = {
    ...kit.controls,
    createService: (body) => caller.createService(body),
    requestRates: (body) => caller.requestRates(body),
    cancelService: (serviceId, reason, carrierId) => caller.cancelService(serviceId, reason, carrierId),
    pauseService: (serviceId, pause, reason, carrierId) => caller.pauseService(serviceId, pause, reason, carrierId),
    service: (carrierId, serviceId) => {
      const record = store.find(carrierId, serviceId)?.record;
      return record && structuredClone(record);
    },
    services: () => store.list(),
    amendService: (carrierId, serviceId, change) => {
      const record = store.find(carrierId, serviceId)?.record;
      if (!record) return undefined;
      if (change.status) record.status = change.status;
      if (change.dropNotes) record.notes.splice(Math.max(0, record.notes.length - change.dropNotes));
      if (change.dropEvidences) record.evidences.splice(Math.max(0, record.evidences.length - change.dropEvidences));
      if (change.agent === null) record.agent = null;
      return structuredClone(record);
    },
    registerService: (registration) =>
      structuredClone(registerKnown(store, registration, 'admin', options.carrierName).record),
    issueToken: () => issuer.issue(),
    expireTokens: () => issuer.expireAll(),
    setExpiredTokenStatus: (status) => {
      options.expiredTokenStatus = status;
    },
    setGetServiceOmits: (fields) => {
      options.getServiceOmits = [...fields];
    },
    setIntake: (intake) => {
      options.intake = intake;
    },
  };

  addVtexAdminRoutes(kit.admin, sandbox);
  kit.app.use(createTokenRouter(issuer, options));
  kit.app.use(createTrackingRouter({ store, issuer, options, logger: kit.logger }));
  kit.seal();
  return { app: kit.app, sandbox };
}
