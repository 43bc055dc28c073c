/**
 * Platform reports, measured where they run (docs/observability.md "Metrics"): every attempt of a report activity
 * is counted by outcome and held in the in-flight gauge while it runs, and a report that carries
 * its event's time adds the event-to-report latency once the platform took it. The workflow
 * emits no metrics itself; what it decides shows here, in the activities it schedules.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ReportMetrics, ReportOutcome } from '../observability/metrics/worker';

/** What a report may carry besides its body: the time of the event it reports (ISO 8601). */
export interface ReportTiming {
  eventAt?: string;
}

type AnyActivity = (...args: any[]) => Promise<unknown>;

/** The report activities, their platform, and where each finds its event's time. */
const REPORTS: Record<string, { platform: string; eventAt: (args: any[]) => unknown }> = {
  vtexUpdateService: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  vtexAddNotes: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  vtexAddEvidences: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  vtexAddLabel: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  vtexCancelService: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  vtexHoldService: { platform: 'vtex', eventAt: (a) => (a[2] as ReportTiming | undefined)?.eventAt },
  // Abbiamo's `event_at` is the engine event's own time (docs/marketplace.md).
  abbiamoReport: { platform: 'abbiamo', eventAt: (a) => (a[1] as { body?: { event_at?: unknown } })?.body?.event_at },
};

function outcomeOf(result: unknown): ReportOutcome {
  return (result as { outcome?: unknown } | null)?.outcome === 'already-present' ? 'already-present' : 'sent';
}

/** The activities, with every report activity measured; the others untouched. */
export function measureReports<T extends Record<string, AnyActivity>>(
  activities: T,
  metrics: ReportMetrics,
  now: () => number = Date.now,
): T {
  const measured: Record<string, AnyActivity> = { ...activities };
  for (const [name, report] of Object.entries(REPORTS)) {
    const activity = activities[name];
    if (!activity) continue;
    measured[name] = async (...args: any[]) => {
      metrics.started(report.platform);
      let outcome: ReportOutcome = 'retried';
      try {
        const result = await activity(...args);
        outcome = outcomeOf(result);
        const eventAt = report.eventAt(args);
        const at = typeof eventAt === 'string' ? Date.parse(eventAt) : NaN;
        if (Number.isFinite(at)) metrics.eventReported(report.platform, name, (now() - at) / 1000);
        return result;
      } catch (err) {
        // Only a non-retryable failure ends the report; any other one is tried again by Temporal.
        if (err instanceof ApplicationFailure && err.nonRetryable) outcome = 'refused';
        throw err;
      } finally {
        metrics.finished(report.platform, name, outcome);
      }
    };
  }
  return measured as T;
}
