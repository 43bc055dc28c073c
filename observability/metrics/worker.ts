/**
 * The worker's own metrics (prom-client), served with the Temporal SDK's on the worker's health
 * port (worker/health.ts): partner calls, VTEX token renewals, platform reports and
 * the time from a carrier event to its report. One registry per worker, handed to its activities.
 * docs/observability.md "Metrics" lists every series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createPartnerCallMetrics, type PartnerCallMetrics } from './partnerCalls';

export const REPORTS = 'delivery_bridge_reports_total';
export const REPORTS_IN_FLIGHT = 'delivery_bridge_reports_in_flight';
export const EVENT_TO_REPORT = 'delivery_bridge_event_to_report_seconds';
export const VTEX_TOKEN_RENEWALS = 'delivery_bridge_vtex_token_renewals_total';
export const SDK_METRICS_UP = 'delivery_bridge_sdk_metrics_up';
export const RECONCILED = 'delivery_bridge_reconcile_deliveries_total';

/** Why the token cache asked VTEX for a token: none yet, the one held is about to expire, or VTEX refused it. */
export type TokenRenewalReason = 'first' | 'expiring' | 'rejected';

/**
 * What one report attempt came to: `sent`; `already-present` (a retry found VTEX holding it);
 * `retried` (failed, Temporal tries again); `refused` (failed for good: the workflow flags the delivery).
 */
export type ReportOutcome = 'sent' | 'already-present' | 'retried' | 'refused';

export interface TokenRenewalMetrics {
  renewed(reason: TokenRenewalReason, outcome: 'ok' | 'failed'): void;
}

export interface ReportMetrics {
  /** A report activity started (in flight until `finished`). */
  started(platform: string): void;
  finished(platform: string, call: string, outcome: ReportOutcome): void;
  /** The report of an event went through this long after the event happened. */
  eventReported(platform: string, call: string, seconds: number): void;
}

/** Drift repair (docs/operators.md): each delivery a reconcile run read, by what it found. */
export interface ReconcileMetrics {
  counted(platform: string, outcome: 'compared' | 'drifted' | 'conflict' | 'unreadable'): void;
}

export interface WorkerMetrics {
  registry: Registry;
  partnerCalls: PartnerCallMetrics;
  tokenRenewals: TokenRenewalMetrics;
  reports: ReportMetrics;
  reconcile: ReconcileMetrics;
  /** Whether the last scrape got the Temporal SDK's metrics (worker/health.ts). */
  sdkScraped(up: boolean): void;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'delivery_bridge_' });
  const renewals = new Counter({
    name: VTEX_TOKEN_RENEWALS,
    help: 'Tokens asked of VTEX POST /token, by reason (first, expiring, rejected) and outcome',
    labelNames: ['reason', 'outcome'] as const,
    registers: [registry],
  });
  const reports = new Counter({
    name: REPORTS,
    help: 'Platform report attempts by platform, call (activity) and outcome (sent, already-present, retried, refused)',
    labelNames: ['platform', 'call', 'outcome'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: REPORTS_IN_FLIGHT,
    help: 'Platform report attempts running now in this worker',
    labelNames: ['platform'] as const,
    registers: [registry],
  });
  const eventToReport = new Histogram({
    name: EVENT_TO_REPORT,
    help: "From a carrier event's own time to the platform taking its report",
    labelNames: ['platform', 'call'] as const,
    // VTEX takes nothing in the first 5 s after Create; retries back off up to a minute.
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const sdkUp = new Gauge({
    name: SDK_METRICS_UP,
    help: "1 when the last scrape of this worker held the Temporal SDK's metrics, 0 when its exporter did not answer",
    registers: [registry],
  });
  const reconciled = new Counter({
    name: RECONCILED,
    help: 'Open deliveries drift repair read at their platform, by platform and outcome (compared, drifted, conflict, unreadable)',
    labelNames: ['platform', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    reconcile: { counted: (platform, outcome) => reconciled.inc({ platform, outcome }) },
    sdkScraped: (up) => sdkUp.set(up ? 1 : 0),
    partnerCalls: createPartnerCallMetrics(registry),
    tokenRenewals: { renewed: (reason, outcome) => renewals.inc({ reason, outcome }) },
    reports: {
      started: (platform) => inFlight.inc({ platform }),
      finished(platform, call, outcome) {
        inFlight.dec({ platform });
        reports.inc({ platform, call, outcome });
      },
      eventReported: (platform, call, seconds) => eventToReport.observe({ platform, call }, Math.max(0, seconds)),
    },
  };
}
