/**
 * The worker's series, part by part (docs/observability.md "Metrics"): endpoint templates that never carry an id,
 * the got hooks counting real HTTP calls by outcome, report attempts by outcome with the in-flight
 * gauge and the event-to-report latency, and the token cache's renewals by reason; and the intake's
 * visibility counts, which a scrape may not turn into load on Temporal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SignJWT } from 'jose';
import { createHttpClient, type HttpClient } from '../../activities/http';
import { createIntakeMetrics, DELIVERIES_OPEN } from '../../api/metrics';
import { measureReports } from '../../activities/reportMetrics';
import { VtexTokenCache } from '../../activities/vtexToken';
import { endpointOf, outcomeOf } from '../../observability/metrics/partnerCalls';
import { createWorkerMetrics } from '../../observability/metrics/worker';
import { parseScrape } from '../support/prometheus';

const scrapeOf = async (metrics: ReturnType<typeof createWorkerMetrics>) =>
  parseScrape(await metrics.registry.metrics());

describe('endpoint labels', () => {
  it.each([
    ['POST', '/token', '/token'],
    ['PATCH', '/tracking/hook/servientrega/vtex-SLR-1-aaaaaaaaaa', '/tracking/hook/{carrierId}/{serviceId}'],
    ['GET', '/tracking/hook/MTE%3D%2Fx/vtex-a.b-aaaaaaaaaa', '/tracking/hook/{carrierId}/{serviceId}'],
    ['POST', '/tracking/hook/notes/c1/s1', '/tracking/hook/notes/{carrierId}/{serviceId}'],
    ['POST', '/tracking/hook/on-hold/c1/s1', '/tracking/hook/on-hold/{carrierId}/{serviceId}'],
    ['POST', '/jobs/availability/v2', '/jobs/availability/v2'],
    ['GET', '/jobs/availability/slot-9/check', '/jobs/availability/{slotId}/check'],
    ['PUT', '/jobs/slot-9/extend_expiration_time', '/jobs/{slotId}/extend_expiration_time'],
    ['POST', '/jobs', '/jobs'],
    ['GET', '/jobs/job-1', '/jobs/{jobId}'],
    ['POST', '/jobs/job-1/cancel', '/jobs/{jobId}/cancel'],
    ['PUT', '/jobs/job-1/payment_info', '/jobs/{jobId}/payment_info'],
    ['POST', '/v1/delivery/failed-to-deliver', '/v1/delivery/failed-to-deliver'],
    // A delivery read back whose id happens to be an endpoint's name is still an id.
    ['GET', '/v1/delivery/confirmed', '/v1/delivery/{deliveryId}'],
    ['POST', '/v1/delivery/not-an-endpoint', '/v1/delivery/{deliveryId}'],
    ['POST', '/deliveries/d-1/events', '/deliveries/{deliveryId}/events'],
    ['GET', '/anything/else?x=1', 'other'],
  ])('%s %s is %s', (method, path, template) => {
    expect(endpointOf(method, path)).toBe(template);
  });

  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [400, 'refused'],
    [404, 'refused'],
    [408, 'failed'],
    [429, 'failed'],
    [503, 'failed'],
    [undefined, 'network'],
  ])('an answer %p is %s', (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome);
  });
});

describe('partner calls counted by the got hooks', () => {
  let server: http.Server;
  let baseUrl: string;
  const answers: Array<number | 'drop'> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const next = answers.shift() ?? 200;
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(next, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts each call once by system, endpoint and outcome, and times it', async () => {
    const metrics = createWorkerMetrics();
    const client = createHttpClient('VTEX', baseUrl, { metrics: metrics.partnerCalls });
    answers.push(200, 404, 503, 'drop');
    const path = '/tracking/hook/carrier-1/vtex-SLR-1-aaaaaaaaaa';
    for (let i = 0; i < 3; i++) await client.send({ method: 'PATCH', path, timeoutMs: 2000 });
    await expect(client.send({ method: 'PATCH', path, timeoutMs: 2000 })).rejects.toMatchObject({ type: 'Network' });

    const s = await scrapeOf(metrics);
    const labels = { system: 'vtex', method: 'PATCH', endpoint: '/tracking/hook/{carrierId}/{serviceId}' };
    for (const outcome of ['ok', 'refused', 'failed', 'network'])
      expect(s.sum('delivery_bridge_partner_calls_total', { ...labels, outcome, attempt: 'first' })).toBe(1);
    expect(s.sum('delivery_bridge_partner_call_duration_seconds_count', labels)).toBe(4);
    expect(s.samples.some((x) => Object.values(x.labels).some((v) => v.includes('vtex-SLR-1')))).toBe(false);
  });
});

describe('report attempts', () => {
  const target = { platform: 'marketplace', deliveryId: 'd-1' };
  const refused = ApplicationFailure.create({ type: 'BadRequest', message: 'no', nonRetryable: true });
  const retryable = ApplicationFailure.create({ type: 'ServerError', message: 'later', nonRetryable: false });

  it('counts sent, already-present, retried and refused attempts, none left in flight', async () => {
    const metrics = createWorkerMetrics();
    const results: Array<() => Promise<unknown>> = [
      async () => ({ outcome: 'sent' }),
      async () => ({ outcome: 'already-present' }),
      () => Promise.reject(retryable),
      () => Promise.reject(refused),
    ];
    const activities = measureReports(
      { vtexAddNotes: async (..._args: unknown[]) => results.shift()!(), vtexGetService: async () => 'read' },
      metrics.reports,
    );
    await activities.vtexAddNotes();
    await activities.vtexAddNotes();
    await expect(activities.vtexAddNotes()).rejects.toBe(retryable);
    await expect(activities.vtexAddNotes()).rejects.toBe(refused);
    await activities.vtexGetService();

    const s = await scrapeOf(metrics);
    for (const outcome of ['sent', 'already-present', 'retried', 'refused'])
      expect(s.sum('delivery_bridge_reports_total', { platform: 'vtex', call: 'vtexAddNotes', outcome })).toBe(1);
    // A read is no report.
    expect(s.has('delivery_bridge_reports_total', { call: 'vtexGetService' })).toBe(false);
    expect(s.sum('delivery_bridge_reports_in_flight', { platform: 'vtex' })).toBe(0);
  });

  it('holds a running report in the in-flight gauge', async () => {
    const metrics = createWorkerMetrics();
    let release!: () => void;
    const activities = measureReports(
      { abbiamoReport: () => new Promise((resolve) => (release = () => resolve({ outcome: 'sent' }))) },
      metrics.reports,
    );
    const running = activities.abbiamoReport();
    expect((await scrapeOf(metrics)).sum('delivery_bridge_reports_in_flight', { platform: 'abbiamo' })).toBe(1);
    release();
    await running;
    expect((await scrapeOf(metrics)).sum('delivery_bridge_reports_in_flight', { platform: 'abbiamo' })).toBe(0);
  });

  it("measures event to report from the event's time the report carries, once taken", async () => {
    const metrics = createWorkerMetrics();
    const now = Date.parse('2026-12-01T10:00:12.000Z');
    const activities = measureReports(
      {
        abbiamoReport: async (..._args: unknown[]) => ({ outcome: 'sent' }),
        vtexUpdateService: async (..._args: unknown[]) => ({ outcome: 'sent' }),
      },
      metrics.reports,
      () => now,
    );
    await activities.abbiamoReport(target, { endpoint: 'successful', body: { event_at: '2026-12-01T10:00:00.000Z' } });
    await activities.vtexUpdateService(target, { status: 'DELIVERED' }, { eventAt: '2026-12-01T10:00:09.500Z' });
    // Without the event's time nothing is observed.
    await activities.vtexUpdateService(target, { status: 'DELIVERED' });

    const s = await scrapeOf(metrics);
    expect(s.sum('delivery_bridge_event_to_report_seconds_sum', { platform: 'abbiamo' })).toBe(12);
    expect(s.sum('delivery_bridge_event_to_report_seconds_count', { platform: 'vtex' })).toBe(1);
    expect(s.sum('delivery_bridge_event_to_report_seconds_sum', { platform: 'vtex' })).toBe(2.5);
    expect(s.sum('delivery_bridge_event_to_report_seconds_bucket', { platform: 'vtex', le: '2.5' })).toBe(1);
  });
});

describe('VTEX token renewals', () => {
  async function jwt(iat: number, exp: number): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(new Uint8Array(32));
  }

  it('counts the first token, a renewal before expiry, one after a rejection, and a failed one', async () => {
    const metrics = createWorkerMetrics();
    let clock = 1_000_000_000_000;
    const statuses = [200, 200, 200, 503];
    const auth = {
      send: async () => {
        const status = statuses.shift()!;
        const iat = Math.floor(clock / 1000);
        return { status, body: status === 200 ? { message: 'ok', data: await jwt(iat, iat + 900) } : null };
      },
    } as unknown as HttpClient;
    const cache = new VtexTokenCache(auth, 'key', { now: () => clock, metrics: metrics.tokenRenewals });

    const first = await cache.get();
    expect(await cache.get()).toBe(first); // held: no renewal
    clock += 850_000; // inside the last minute of its 15
    const second = await cache.get();
    expect(second).not.toBe(first);
    cache.invalidate(second);
    await cache.get();
    cache.invalidate(await cache.get());
    await expect(cache.get()).rejects.toMatchObject({ type: 'ServerError' });

    const s = await scrapeOf(metrics);
    const renewals = 'delivery_bridge_vtex_token_renewals_total';
    expect(s.sum(renewals, { reason: 'first', outcome: 'ok' })).toBe(1);
    expect(s.sum(renewals, { reason: 'expiring', outcome: 'ok' })).toBe(1);
    expect(s.sum(renewals, { reason: 'rejected', outcome: 'ok' })).toBe(1);
    expect(s.sum(renewals, { reason: 'rejected', outcome: 'failed' })).toBe(1);
  });
});

describe("the intake's delivery counts", () => {
  /** A Temporal client whose visibility counts are counted; `now` is the counts' clock. */
  function countingClient() {
    const calls: string[] = [];
    const client = {
      withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
      workflow: {
        count: async (query: string) => {
          calls.push(query);
          return { count: 3, groups: [] };
        },
      },
    } as unknown as Client;
    return { client, calls };
  }

  it('costs Temporal one count of each gauge per interval, however often it is scraped', async () => {
    const { client, calls } = countingClient();
    let now = 1_000_000;
    const metrics = createIntakeMetrics({
      visibility: { client, taskQueue: 'q', countIntervalMs: 15_000, now: () => now },
    });
    const scrapes = await Promise.all(Array.from({ length: 5 }, () => metrics.registry.metrics()));
    for (let i = 0; i < 5; i += 1) scrapes.push(await metrics.registry.metrics());
    expect(calls).toHaveLength(2); // open, flagged
    for (const text of scrapes) expect(parseScrape(text).sum(DELIVERIES_OPEN)).toBe(3);
    now += 15_000;
    await metrics.registry.metrics();
    expect(calls).toHaveLength(4);
  });
});
