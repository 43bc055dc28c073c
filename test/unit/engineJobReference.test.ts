/**
 * POST /jobs is idempotent on client_reference at the engine: an answer that found an existing job
 * is taken only when that job carries this delivery's reference. Real HTTP, to a loopback engine
 * that answers 200 (found) with the job it holds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeliveryEngineActivities } from '../../activities/deliveryEngine';
import { createHttpClient } from '../../activities/http';
import type { JobSpec } from '../../contracts/delivery';

let server: http.Server;
let baseUrl: string;
/** The client_reference of the job the loopback engine holds. */
let heldReference = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'POST' && req.url === '/jobs') {
      req.resume();
      return req.on('end', () => json(200, { job_id: 'job-held', status: 'CREATED', tracking_url: 'http://t/1' }));
    }
    if (req.method === 'GET' && req.url === '/jobs/job-held')
      return json(200, {
        job_id: 'job-held',
        client_reference: heldReference,
        slot_id: 'slot-1',
        status: 'CREATED',
        last_event: null,
        on_hold: false,
        tracking_url: 'http://t/1',
        created_at: '2026-12-01T10:00:00.000Z',
        window: { starts_at: '2026-12-01T10:00:00.000Z', ends_at: '2026-12-01T12:00:00.000Z' },
        price: 10,
      });
    json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const spec = { clientReference: 'vtex-SLR-1-aaaaaaaaaa', availability: {}, job: {} } as unknown as JobSpec;
const activities = () =>
  createDeliveryEngineActivities({
    engine: createHttpClient('Delivery Engine', baseUrl),
    apiKey: 'k',
    webhookUrl: 'http://127.0.0.1/delivery-engine/webhooks',
    webhookSecret: 's',
  });

describe('POST /jobs answered with an existing job', () => {
  it('takes it when the job is ours (a retry after a lost answer)', async () => {
    heldReference = spec.clientReference;
    const job = await activities().createJob({ serviceId: spec.clientReference, slotId: 'slot-1', spec });
    expect(job.job_id).toBe('job-held');
  });

  it("refuses, for good, a job that carries another delivery's reference", async () => {
    heldReference = 'SLR-1';
    const call = activities().createJob({ serviceId: spec.clientReference, slotId: 'slot-1', spec });
    await expect(call).rejects.toMatchObject({ nonRetryable: true, type: 'Refused' });
    await expect(call).rejects.toThrow(/job-held, whose client_reference is not this delivery's/);
  });
});
