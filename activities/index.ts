/**
 * Every activity the worker registers, built from its dependencies (STYLE: dependency injection
 * through a factory), so tests hand in other HTTP clients or token caches.
 */
import type { ServiceConfig } from '../config';
import type { WorkerMetrics } from '../observability/metrics/worker';
import { createSealer } from '../security/sealing';
import { mailLabelUrl } from '../security/labelLinks';
import { createLabelSigner } from '../security/labelSigning';
import { createDeliveryEngineActivities } from './deliveryEngine';
import { withClassifiedFailures } from './failures';
import { createHttpClient } from './http';
import { createLabelActivities } from './labels';
import { createAbbiamoActivities } from './abbiamo';
import { createOperationsActivities, type ReconcileObserver } from './operations';
import { measureReports } from './reportMetrics';
import { createVtexActivities } from './vtex';
import { VtexTokenCache } from './vtexToken';

export interface ActivityDeps {
  config: Pick<ServiceConfig, 'publicUrl' | 'vtex' | 'deliveryEngine' | 'abbiamo' | 'secretsKey' | 'labels'>;
  /** Shared by every activity of the process; made here when not given. */
  vtexTokens?: VtexTokenCache;
  /** The worker's registry (observability/metrics/worker.ts); none: nothing measured. */
  metrics?: WorkerMetrics;
  /** What drift repair saw (docs/runbook.md "Operators"); default: the metrics' reconcile counter. */
  reconcileObserver?: ReconcileObserver;
}

/** Drift repair's hook, counted in the worker's metrics. */
function reconcileCounter(metrics: WorkerMetrics): ReconcileObserver {
  return {
    compared: (platform) => metrics.reconcile.counted(platform, 'compared'),
    drift: (found) => metrics.reconcile.counted(found.platform, 'drifted'),
    conflict: (_serviceId, platform) => metrics.reconcile.counted(platform, 'conflict'),
    unreadable: (_serviceId, platform) => metrics.reconcile.counted(platform, 'unreadable'),
  };
}

export function createActivities({ config, vtexTokens, metrics, reconcileObserver }: ActivityDeps) {
  const http = (system: string, url: string) => createHttpClient(system, url, { metrics: metrics?.partnerCalls });
  const tokens =
    vtexTokens ??
    new VtexTokenCache(http('VTEX auth', config.vtex.authUrl), config.vtex.apiKey, { metrics: metrics?.tokenRenewals });
  const vtex = createVtexActivities({
    tracking: http('VTEX', config.vtex.trackingUrl),
    tokens,
    notFoundRetryAttempts: config.vtex.notFoundRetryAttempts,
  });
  const abbiamo = http('Abbiamo', config.abbiamo.url);
  const observer = reconcileObserver ?? (metrics ? reconcileCounter(metrics) : undefined);
  const labelSigner = createLabelSigner({
    key: config.labels.signingKey,
    ttlMs: config.labels.urlTtlMs,
    publicUrl: config.publicUrl,
  });
  const activities = {
    ...createDeliveryEngineActivities({
      engine: http('Delivery Engine', config.deliveryEngine.url),
      apiKey: config.deliveryEngine.apiKey,
      jobKeySecret: config.deliveryEngine.jobKeySecret,
      settings: config.deliveryEngine,
    }),
    ...vtex,
    ...createLabelActivities({ signer: labelSigner, vtex }),
    ...createAbbiamoActivities({
      abbiamo,
      sealer: createSealer(config.secretsKey),
      carrierKey: config.abbiamo.carrierKey,
      mailLabelUrl: (serviceId) => mailLabelUrl(labelSigner, serviceId),
    }),
    ...createOperationsActivities({
      readVtex: vtex.vtexGetService,
      abbiamo,
      carrierKey: config.abbiamo.carrierKey,
      ...(observer ? { observer } : {}),
    }),
  };
  const classified = withClassifiedFailures(activities);
  return metrics ? measureReports(classified, metrics.reports) : classified;
}

export type Activities = ReturnType<typeof createActivities>;
