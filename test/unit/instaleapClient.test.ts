/**
 * The Instaleap client's activities against a loopback engine (real HTTP): every call carries
 * `x-api-key`, the slot is checked before POST /jobs, a slot no longer valid sends no create, the
 * slot list is read by the delivery's window, and an answer that does not parse is a retryable
 * failed call, never trusted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createDeliveryEngineActivities } from '../../activities/deliveryEngine';
import { availabilityRequest, fittingSlot, storeFor } from '../../activities/clients/deliveryEngine';
import { createHttpClient } from '../../activities/http';
import type { JobSpec } from '../../contracts/delivery';
import type { Slot, SlotSearch } from '../../contracts/deliveryEngine';
import { RateCard } from '../../contracts/rateCard';
import { priceCents } from '../../mapping/rateCard';

interface Seen {
  method: string;
  url: string;
  apiKey: string | undefined;
  body: unknown;
}
let server: http.Server;
let baseUrl: string;
let seen: Seen[] = [];
/** What the loopback engine answers, by "METHOD url". */
let answers: Record<string, [number, unknown]> = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        apiKey: req.headers['x-api-key'] as string | undefined,
        body: text ? JSON.parse(text) : null,
      });
      const [status, body] = answers[`${req.method} ${req.url}`] ?? [404, { message: 'not found' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  answers = {};
});

const card = RateCard.parse({
  currency: 'BRL',
  default: { base_fee: 500, per_km: [{ up_to: null, cents_each: 100 }], per_kg: [{ up_to: null, cents_each: 0 }] },
});
const settings = {
  storeReference: 'store-main',
  sellerStores: { 'seller-north': 'store-north' },
  operationalModels: ['FULL_SERVICE'],
  slotSizeMinutes: 60,
  rateCard: card,
};
const place = { address: 'Rua A 1', city: 'São Paulo', state: 'SP', country: 'Brazil' };
const search: SlotSearch = {
  origin: place,
  destination: place,
  job_items: [{ id: 'i1', name: 'Box', unit: 'unit', quantity: 1 }],
  currency_code: 'BRL',
};
const payment = { id: 'p1', payment_status: 'PAID', method: 'ONLINE', value: 0 };
const spec = {
  clientReference: 'vtex-SLR-1-aaaaaaaaaa',
  availability: search,
  job: {
    recipient: { name: 'Ana', phone_number: '+55 11 9' },
    payment_info: { currency_code: 'BRL', prices: { order_value: 10, shipping_fee: 0, subtotal: 10 }, payment },
  },
} as unknown as JobSpec;
const activities = () =>
  createDeliveryEngineActivities({
    engine: createHttpClient('Delivery Engine', baseUrl),
    apiKey: 'the-key',
    jobKeySecret: 'job-key-secret',
    settings,
  });
const slot = (from: string, to: string, id = `slot-${from}`): Slot => ({
  id,
  from,
  to,
  operational_model: 'FULL_SERVICE',
  expires_at: '2999-01-01T00:00:00.000Z',
  store: { id: 'store-main', name: 'Main' },
});

describe('POST /jobs', () => {
  it('checks the slot first, sends x-api-key, and answers the new job id', async () => {
    answers['GET /jobs/availability/slot-1/check'] = [200, { valid: true, expires_at: '2999-01-01T00:00:00.000Z' }];
    answers['POST /jobs'] = [200, { message: 'Job created', job_id: 'job-1' }];
    const job = await activities().createJob({ serviceId: spec.clientReference, slotId: 'slot-1', spec });
    expect(job.job_id).toBe('job-1');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /jobs/availability/slot-1/check', 'POST /jobs']);
    expect(seen.every((s) => s.apiKey === 'the-key')).toBe(true);
    expect(seen[1]!.body).toMatchObject({
      slot_id: 'slot-1',
      client_reference: spec.clientReference,
      external_data: {
        webhook: { key: expect.stringMatching(/^vtex-SLR-1-aaaaaaaaaa\./), service_id: spec.clientReference },
      },
    });
    expect(
      (seen[1]!.body as { external_data: { webhook: { URL?: string } } }).external_data.webhook.URL,
    ).toBeUndefined();
  });

  it('sends no create on a slot its check says is no longer valid: SlotExpired, before any POST', async () => {
    answers['GET /jobs/availability/slot-1/check'] = [200, { valid: false }];
    const failed = await activities()
      .createJob({ serviceId: spec.clientReference, slotId: 'slot-1', spec })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApplicationFailure);
    expect((failed as ApplicationFailure).type).toBe('SlotExpired');
    expect(seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('takes an answer that does not parse as a failed call to retry, never a job', async () => {
    answers['GET /jobs/availability/slot-1/check'] = [200, { valid: true }];
    answers['POST /jobs'] = [200, { id: 'not-the-shape' }];
    const failed = (await activities()
      .createJob({ serviceId: spec.clientReference, slotId: 'slot-1', spec })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failed.type).toBe('InvalidResponse');
    expect(failed.nonRetryable).toBe(false);
    expect(failed.message).toMatch(/POST \/jobs answered an unexpected body: job_id/);
  });
});

describe('holds', () => {
  it("sends the job's payment with blocking_policy EXIT_STORE to hold, UNBLOCKED to release", async () => {
    answers['PUT /jobs/job-1/payment_info'] = [200, { message: 'ok' }];
    await activities().holdJob({ jobId: 'job-1', payment, hold: true });
    await activities().holdJob({ jobId: 'job-1', payment, hold: false });
    expect(seen.map((s) => s.body)).toEqual([
      { payment: { ...payment, blocking_policy: 'EXIT_STORE' } },
      { payment: { ...payment, blocking_policy: 'UNBLOCKED' } },
    ]);
  });
});

describe('the slot search', () => {
  const now = Date.parse('2026-12-01T08:00:00.000Z');

  it("searches from the window's start (never the past) to its end, at most 7 days, at the seller's store", () => {
    const windowed = {
      ...search,
      seller: 'seller-north',
      window: { starts_at: '2026-12-02T14:00:00.000Z', ends_at: '2026-12-20T18:00:00.000Z' },
    };
    expect(availabilityRequest(windowed, settings, now)).toMatchObject({
      start: '2026-12-02T14:00:00.000Z',
      end: '2026-12-09T14:00:00.000Z',
      slot_size: 60,
      operational_models_priority: ['FULL_SERVICE'],
      store_reference: 'store-north',
      currency_code: 'BRL',
    });
    expect(availabilityRequest(search, settings, now)).toMatchObject({
      start: '2026-12-01T08:00:00.000Z',
      end: '2026-12-08T08:00:00.000Z',
      store_reference: 'store-main',
    });
    expect(storeFor(settings, 'unknown-seller')).toBe('store-main');
    expect(storeFor(settings, '__proto__')).toBe('store-main');
  });

  it('takes the earliest slot that fits the window whole, and none when none fits', () => {
    const slots = [
      slot('2026-12-02T16:00:00.000Z', '2026-12-02T17:00:00.000Z'),
      slot('2026-12-02T13:00:00.000Z', '2026-12-02T14:00:00.000Z'),
      slot('2026-12-02T14:00:00.000Z', '2026-12-02T15:00:00.000Z'),
    ];
    const window = { starts_at: '2026-12-02T14:00:00.000Z', ends_at: '2026-12-02T18:00:00.000Z' };
    expect(fittingSlot(slots, window, now)?.from).toBe('2026-12-02T14:00:00.000Z');
    expect(fittingSlot(slots, undefined, now)?.from).toBe('2026-12-02T13:00:00.000Z');
    const narrow = { starts_at: '2026-12-02T14:10:00.000Z', ends_at: '2026-12-02T14:50:00.000Z' };
    expect(fittingSlot(slots, narrow, now)).toBeUndefined();
  });

  it('fails clearly when no slot fits: non-retryable, naming the window and what was offered', async () => {
    answers['POST /jobs/availability/v2'] = [200, [slot('2026-12-02T13:00:00.000Z', '2026-12-02T14:00:00.000Z')]];
    const window = { starts_at: '2999-12-02T14:10:00.000Z', ends_at: '2999-12-02T14:50:00.000Z' };
    const failed = (await activities()
      .findSlot({ ...search, window })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failed.type).toBe('Refused');
    expect(failed.nonRetryable).toBe(true);
    expect(failed.message).toMatch(/No Delivery Engine slot fits the delivery window 2999-12-02T14:10:00.000Z/);
    expect(failed.message).toMatch(/offered 1: 2026-12-02T13:00:00.000Z/);
  });

  it('prices the chosen slot by the rate card, in cents', async () => {
    answers['POST /jobs/availability/v2'] = [200, [slot('2999-12-02T13:00:00.000Z', '2999-12-02T14:00:00.000Z', 's1')]];
    const chosen = await activities().findSlot(search);
    expect(chosen).toMatchObject({
      slot_id: 's1',
      currency: 'BRL',
      priceCents: priceCents(card, 'FULL_SERVICE', search),
    });
    // No coordinates: the card's assumed 5 km.
    expect(chosen.priceCents).toBe(500 + 5 * 100);
  });

  it('takes an availability answer that is not a list as a failed call to retry', async () => {
    answers['POST /jobs/availability/v2'] = [200, { slot_id: 's', price: 1 }];
    const failed = (await activities()
      .findSlot(search)
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failed.type).toBe('InvalidResponse');
    expect(failed.nonRetryable).toBe(false);
  });
});
