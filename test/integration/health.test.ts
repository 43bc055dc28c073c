/**
 * Probes, request ids and metrics of the intake; and what it answers while Temporal is down.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { listen, type RunningServer } from '../../api/server';
import { freePort } from '../../scripts/dev-server';
import { createLogger } from '../../observability/logger';
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody } from '../support/deliveries';
import { TEST_INTAKE_TOKEN, useTestStack } from '../support/stack';

const stack = useTestStack();

describe('probes and request ids', () => {
  it('answers healthz and readyz while Temporal is reachable', async () => {
    expect(await stack.call('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await stack.call('GET', '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', temporal: 'reachable' },
    });
  });

  it('echoes a caller request id, or gives one, on every answer', async () => {
    const given = await fetch(`${stack.apiUrl}/healthz`, { headers: { 'x-request-id': 'vtex-req-42' } });
    expect(given.headers.get('x-request-id')).toBe('vtex-req-42');
    const made = await fetch(`${stack.apiUrl}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics, counting how Create service was answered, without secrets', async () => {
    const answer = await stack.call('POST', '/vtex/services', createServiceBody());
    // On a loaded machine the job can take longer than the answer's wait: the answer is then PENDING.
    const outcome = answer.body.metaData?.jobId ? 'with-job' : 'pending-before-job';
    const text = await (await fetch(stack.bridge.apiMetricsUrl)).text();
    expect(text).toMatch(new RegExp(`delivery_bridge_create_service_answers_total\\{outcome="${outcome}"\\} [1-9]`));
    expect(text).toMatch(
      /delivery_bridge_http_request_duration_seconds_count\{method="POST",route="\/vtex\/services",status="200"\} [1-9]/,
    );
    expect(text).not.toContain(TEST_INTAKE_TOKEN);
  });
});

describe('with Temporal unreachable', () => {
  let server: RunningServer;
  let connection: Connection;
  let drain: () => Promise<void>;
  let deadPort: number;

  beforeAll(async () => {
    deadPort = await freePort();
    connection = Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: 500 });
    const app = createApp({
      config: stack.config,
      client: new Client({ connection }),
      connection,
      logger: createLogger({ level: 'silent' }),
    });
    drain = app.locals.drain as () => Promise<void>;
    server = await listen(app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await drain(); // calls still retrying toward the dead address end before the connection closes
    await connection.close().catch(() => undefined);
  });

  it('says not ready (503) while staying alive (healthz 200)', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', temporal: 'unreachable' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers Create service 503 so VTEX retries, rather than promising a delivery it could not register', async () => {
    const response = await fetch(`${server.url}/vtex/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}` },
      body: JSON.stringify(createServiceBody()),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining('retry the same request') });
  });

  it("answers a platform command 503 without Temporal's own words (its address, its errors)", async () => {
    const response = await fetch(`${server.url}/vtex/services/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}` },
      body: JSON.stringify({
        serviceId: vtexServiceId(stack.config.vtex.carrierId, 'ORDER-UNREACHABLE'),
        carrierId: stack.config.vtex.carrierId,
      }),
    });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      error: expect.stringMatching(/^Temporal did not take the request; retry/),
    });
    for (const inner of [String(deadPort), '127.0.0.1', 'ECONNREFUSED', 'grpc', 'UNAVAILABLE'])
      expect(text).not.toContain(inner);
  }, 30_000);
});
