/**
 * The metrics move with a delivery's life (docs/observability.md "Metrics"): a VTEX delivery and an Abbiamo one
 * run through the real stack while both endpoints are scraped before and after, the intake API's
 * `GET /metrics` (on its own port, API_METRICS_PORT) and the worker's (its own registry and the Temporal SDK's, merged).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { abbiamoServiceId } from '../../mapping/ids';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { SDK_DASHBOARD_METRICS, SDK_HISTOGRAMS } from '../../observability/metrics/sdk';
import { createVtexDelivery, emit, finalView, forceStatus, stateOf, vtexCallsOf } from '../support/deliveries';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { scrape, type Scrape } from '../support/prometheus';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { FLAGS_RAISED_METRIC } from '../../workflows/state';

const CARRIER_KEY = `test-carrier-key-${randomUUID()}`;

describe('metrics over a delivery life', () => {
  const stack = useTestStack({
    engine: { webhook: { initialDelayMs: 20, maxDelayMs: 200 } },
    abbiamo: { carrierKey: CARRIER_KEY },
    // The visibility counts are taken at most once per interval: short here, so a test sees them move.
    env: { MARKETPLACE_CARRIER_KEY: CARRIER_KEY, METRICS_COUNT_INTERVAL_MS: '100' },
  });
  const api = () => scrape(stack.bridge.apiMetricsUrl);
  const worker = () => scrape(stack.bridge.workerMetricsUrl);

  it('moves the intake, partner, report, token and SDK series of both endpoints', async () => {
    const [apiBefore, workerBefore] = await Promise.all([api(), worker()]);

    const refused = await stack.call('POST', '/vtex/services', { carrierId: 42 });
    expect(refused.status).toBe(400);
    const d = await createVtexDelivery(stack);
    const open = await waitFor(
      async () => {
        const now = await api();
        return now.sum('delivery_bridge_deliveries_open') >= 1 ? now : undefined;
      },
      { what: 'the open delivery counted by visibility', timeoutMs: 10_000 },
    );
    expect(apiBefore.sum('delivery_bridge_deliveries_open')).toBe(0);
    expect(open.sum('delivery_bridge_deliveries_flagged')).toBe(0);
    for (const type of SCENARIOS.happy) await emit(stack, d.jobId, type);
    expect((await finalView(stack, d.serviceId)).status).toBe('DELIVERED');

    const event = fresh(seedDeliveryRequest());
    const deliveryId = event.deliveries[0].delivery_id as string;
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const job = await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
      what: 'the Abbiamo job',
    });
    stack.engine.play(job.id, 'happy', 30);
    await waitFor(
      () => stack.abbiamo.statusCalls(deliveryId).some((c) => c.endpoint === 'successful' && c.outcome === 'accepted'),
      { what: 'successful at Abbiamo', timeoutMs: 30_000 },
    );

    const [apiAfter, workerAfter] = await Promise.all([api(), worker()]);
    keep('api', apiAfter);
    keep('worker', workerAfter);
    const moved = (before: Scrape, after: Scrape, name: string, labels?: Record<string, string>) =>
      after.sum(name, labels) - before.sum(name, labels);

    // The intake: Create service answered (with the job, or PENDING on a loaded machine), one refused; each timed.
    const answers = 'delivery_bridge_create_service_answers_total';
    const answered = ['with-job', 'pending-before-job'].map((outcome) => ({
      outcome,
      answers: moved(apiBefore, apiAfter, answers, { outcome }),
      timed: moved(apiBefore, apiAfter, 'delivery_bridge_create_service_duration_seconds_count', { outcome }),
    }));
    expect(answered.reduce((n, a) => n + a.answers, 0)).toBe(1);
    expect(answered.map((a) => a.timed)).toEqual(answered.map((a) => a.answers));
    expect(moved(apiBefore, apiAfter, answers, { outcome: 'rejected' })).toBe(1);
    expect(
      moved(apiBefore, apiAfter, 'delivery_bridge_http_request_duration_seconds_count', {
        route: '/delivery-engine/webhooks',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(SCENARIOS.happy.length);

    // Partner calls, by system and endpoint template (never an id).
    const calls = 'delivery_bridge_partner_calls_total';
    expect(
      moved(workerBefore, workerAfter, calls, { system: 'engine', method: 'POST', endpoint: '/jobs', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      moved(workerBefore, workerAfter, calls, {
        system: 'vtex',
        method: 'PATCH',
        endpoint: '/tracking/hook/{carrierId}/{serviceId}',
        outcome: 'ok',
        attempt: 'first',
      }),
    ).toBeGreaterThanOrEqual(5);
    expect(
      moved(workerBefore, workerAfter, calls, { system: 'vtex-auth', endpoint: '/token', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      moved(workerBefore, workerAfter, calls, {
        system: 'abbiamo',
        endpoint: '/v1/delivery/successful',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      workerAfter.samples.filter((s) => s.name === calls).every((s) => !s.labels.endpoint!.includes(d.serviceId)),
    ).toBe(true);
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_partner_call_duration_seconds_count', { system: 'vtex' }),
    ).toBe(moved(workerBefore, workerAfter, calls, { system: 'vtex' }));

    // The token cache took its first token; the reports were sent and none is left in flight.
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_vtex_token_renewals_total', { reason: 'first', outcome: 'ok' }),
    ).toBe(1);
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_reports_total', {
        platform: 'vtex',
        call: 'vtexUpdateService',
        outcome: 'sent',
      }),
    ).toBeGreaterThanOrEqual(5);
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_reports_total', { platform: 'abbiamo', outcome: 'sent' }),
    ).toBeGreaterThanOrEqual(6);
    expect(workerAfter.sum('delivery_bridge_reports_in_flight')).toBe(0);
    // Abbiamo's calls carry their event's time, and VTEX's calls made for an event are given it:
    // the event-to-report latency is measured for both.
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_event_to_report_seconds_count', { platform: 'abbiamo' }),
    ).toBeGreaterThanOrEqual(6);
    expect(
      moved(workerBefore, workerAfter, 'delivery_bridge_event_to_report_seconds_count', { platform: 'vtex' }),
    ).toBeGreaterThanOrEqual(1);

    // The Temporal SDK's own series, served on the same port.
    expect(workerAfter.sum('delivery_bridge_sdk_metrics_up')).toBe(1);
    expect(moved(workerBefore, workerAfter, 'temporal_workflow_task_execution_latency_seconds_count')).toBeGreaterThan(
      0,
    );
    expect(moved(workerBefore, workerAfter, 'temporal_activity_execution_latency_seconds_count')).toBeGreaterThan(0);
    // Every SDK series the dashboard reads is served under the name it uses.
    const missing = Object.values(SDK_DASHBOARD_METRICS).filter(
      (name) => !workerAfter.has(SDK_HISTOGRAMS.has(name) ? `${name}_count` : name),
    );
    expect(missing).toEqual([]);
  }, 120_000);

  it('counts retried calls, a rejected token, a refused report and the delivery it flags', async () => {
    const d = await createVtexDelivery(stack);
    // The job's creation is reported first (its labels; the CREATED event's PATCH): those calls are taken
    // before the faults begin, so that the call the faults meet is the ALLOCATED PATCH. On a loaded machine the
    // labels were still queued and met the faults instead; the PATCH behind them then went on its first attempt.
    await waitFor(
      async () => {
        const view = await stateOf(stack, d.serviceId);
        const lines = view.timeline.map((l) => `${l.kind} ${l.message}`);
        return lines.includes('event CREATED') &&
          lines.some((l) => l.startsWith('report POST labels')) &&
          view.pendingReports === 0
          ? true
          : undefined;
      },
      { what: "the job's creation reported (CREATED taken, labels sent, nothing pending)", timeoutMs: 30_000 },
    );
    const [apiBefore, before] = await Promise.all([api(), worker()]);
    const movedBy = async (name: string, labels: Record<string, string>, atLeast: number) => {
      try {
        return await waitFor(
          async () => {
            const now = await worker();
            return now.sum(name, labels) - before.sum(name, labels) >= atLeast ? now : undefined;
          },
          // A report retried while faults last backs off up to a minute (REPORT_RETRY, workflows/reporters.ts):
          // on a loaded machine the retry after the faults end can come that late.
          { what: `${name} ${JSON.stringify(labels)} up by ${atLeast}`, timeoutMs: 90_000 },
        );
      } catch (err) {
        // What the delivery and VTEX saw, so that a run that times out says why.
        const view = await stateOf(stack, d.serviceId).catch((e: unknown) => String(e));
        const seen = vtexCallsOf(stack, d.serviceId).map((c) => `${c.at} ${c.method} ${c.path} ${c.status}`);
        const moved = (await worker()).samples
          .filter((s) => s.name === name && (labels.system === undefined || s.labels.system === labels.system))
          .map((s) => `${JSON.stringify(s.labels)} ${s.value - before.sum(name, s.labels)}`);
        throw new Error(
          `${(err as Error).message}\nmoved: ${moved.join('; ')}\nVTEX saw: ${seen.join('; ')}\nview: ${JSON.stringify(view)}`,
          { cause: err },
        );
      }
    };
    const patch = { system: 'vtex', method: 'PATCH', endpoint: '/tracking/hook/{carrierId}/{serviceId}' };

    // VTEX answers 503 to status PATCHes for a while: the report is retried, then taken.
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/tracking/hook/[^/]+/[^/]+$' });
    await emit(stack, d.jobId, 'ALLOCATED');
    // Each attempt reads the service back before its PATCH (docs/specification.md "Exactly once at VTEX"): the
    // endpoint's calls fail, whichever method.
    const { method: _patch, ...statusEndpoint } = patch;
    await movedBy('delivery_bridge_partner_calls_total', { ...statusEndpoint, outcome: 'failed' }, 2);
    stack.vtex.resetFaults();
    let after = await movedBy('delivery_bridge_partner_calls_total', { ...patch, outcome: 'ok', attempt: 'retry' }, 1);
    expect(
      after.sum('delivery_bridge_reports_total', { call: 'vtexUpdateService', outcome: 'retried' }) -
        before.sum('delivery_bridge_reports_total', { call: 'vtexUpdateService', outcome: 'retried' }),
    ).toBeGreaterThanOrEqual(2);

    // The token VTEX issued expires early: the cache renews it as rejected.
    stack.vtex.expireTokens();
    await emit(stack, d.jobId, 'PICKING_FINISHED');
    after = await movedBy('delivery_bridge_vtex_token_renewals_total', { reason: 'rejected', outcome: 'ok' }, 1);
    expect(
      after.sum('delivery_bridge_partner_calls_total', { ...statusEndpoint, outcome: 'refused' }) -
        before.sum('delivery_bridge_partner_calls_total', { ...statusEndpoint, outcome: 'refused' }),
    ).toBeGreaterThanOrEqual(1);

    // VTEX refuses the incident's note for good: the report is refused and the delivery flagged.
    stack.vtex.setFaults({ errorRate: 1, errorStatuses: [400], pathPattern: '^/tracking/hook/notes/' });
    await forceStatus(stack, d.serviceId, 'INCIDENT', 'Flat tyre');
    await movedBy('delivery_bridge_reports_total', { platform: 'vtex', call: 'vtexAddNotes', outcome: 'refused' }, 1);
    stack.vtex.resetFaults();
    const flagged = await waitFor(
      async () => {
        const now = await api();
        return now.sum('delivery_bridge_deliveries_flagged') > apiBefore.sum('delivery_bridge_deliveries_flagged')
          ? now
          : undefined;
      },
      { what: 'the flagged delivery counted by visibility', timeoutMs: 15_000 },
    );
    expect(flagged.sum('delivery_bridge_deliveries_flagged')).toBeLessThanOrEqual(
      flagged.sum('delivery_bridge_deliveries_open'),
    );
    // The workflow counts the flag as it raises it (the SDK's workflow meter, on the worker's page).
    // Its labels are the SDK's workflow tags (camelCase), and ours.
    await movedBy(`${FLAGS_RAISED_METRIC}_total`, { workflowType: 'deliveryWorkflow', platform: 'vtex' }, 1);
  }, 360_000);

  it('counts delivery workflows only as open deliveries, not a stray-job cancel running on the same task queue', async () => {
    const taskQueue = stack.config.temporal.taskQueue;
    const running = (type?: string) =>
      stack.bridge.client.workflow
        .count(
          `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"${type ? ` AND WorkflowType = "${type}"` : ''}`,
        )
        .then((c) => c.count);
    // The engine down for job reads: the stray-job workflow keeps retrying, so it stays running.
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs/[^/]+$' });
    const stray = await stack.bridge.client.workflow.start('strayJobWorkflow', {
      workflowId: `stray-job-metrics-${randomUUID()}`,
      taskQueue,
      args: [{ serviceId: 'vtex-none', jobId: randomUUID(), eventId: randomUUID(), eventType: 'ALLOCATED' }],
    });
    try {
      await waitFor(async () => (await running('strayJobWorkflow')) === 1 || undefined, {
        what: 'the stray-job workflow listed as running',
      });
      const deliveries = await running('deliveryWorkflow');
      expect(await running()).toBeGreaterThan(deliveries);
      expect((await api()).sum('delivery_bridge_deliveries_open')).toBe(deliveries);
    } finally {
      await stray.terminate('test over');
      stack.engine.resetFaults();
    }
  }, 60_000);
});

describe('metrics of the worker and API processes, as production runs them', () => {
  const stack = useTestStack({ processes: true, env: { METRICS_COUNT_INTERVAL_MS: '100' } });

  it("serves the worker's series and the SDK's on the worker's health port, the intake's on the API's metrics port", async () => {
    const d = await createVtexDelivery(stack);
    await emit(stack, d.jobId, 'ALLOCATED');
    const workerNow = await waitFor(
      async () => {
        const now = await scrape(stack.bridge.workerMetricsUrl);
        return now.sum('delivery_bridge_reports_total', { call: 'vtexUpdateService', outcome: 'sent' }) >= 2
          ? now
          : undefined;
      },
      { what: 'the PATCHes counted by the worker process', timeoutMs: 20_000 },
    );
    // At least once: a job call that outlives the fast local activity is made again (idempotent).
    expect(
      workerNow.sum('delivery_bridge_partner_calls_total', { system: 'engine', endpoint: '/jobs' }),
    ).toBeGreaterThanOrEqual(1);
    expect(workerNow.sum('delivery_bridge_sdk_metrics_up')).toBe(1);
    expect(workerNow.sum('temporal_workflow_task_execution_latency_seconds_count')).toBeGreaterThan(0);
    expect(workerNow.has('delivery_bridge_process_resident_memory_bytes')).toBe(true);

    const apiNow = await scrape(stack.bridge.apiMetricsUrl);
    // Not on the public intake port: anyone can reach that one.
    expect((await fetch(`${stack.apiUrl}/metrics`)).status).toBe(404);
    expect(apiNow.sum('delivery_bridge_create_service_answers_total')).toBe(1);
    expect(apiNow.sum('delivery_bridge_deliveries_open')).toBe(1);
    // Each process serves its own: the reports are the worker's, and the API runs no SDK exporter.
    expect(apiNow.has('delivery_bridge_reports_total')).toBe(false);
    expect([...apiNow.names()].filter((name) => name.startsWith('temporal_'))).toEqual([]);
  }, 120_000);
});

/** The scrapes stay in the test output for a reader (and for the dashboard's series names). */
function keep(name: string, s: Scrape) {
  const dir = path.resolve(__dirname, '../../test-output/metrics');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${name}.prom`),
    s.samples.map((x) => `${x.name}${JSON.stringify(x.labels)} ${x.value}`).join('\n'),
  );
}
