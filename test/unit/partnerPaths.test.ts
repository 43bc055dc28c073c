/**
 * Partner ids in URL paths (activities/http.ts `pathSegment`): an engine job id or an Abbiamo
 * delivery id of only dots would move the request, our credentials with it, to another path. Such a
 * call is refused before anything is sent, for good. Real HTTP, to a loopback server that records
 * the path it was asked for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createDeliveryEngineActivities } from '../../activities/deliveryEngine';
import { createHttpClient } from '../../activities/http';
import { SafeId } from '../../contracts/abbiamo';
import { RateCard } from '../../contracts/rateCard';

let server: http.Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"PENDING"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

const SLOT_SETTINGS = {
  storeReference: 'store-main',
  sellerStores: {},
  operationalModels: ['FULL_SERVICE'],
  slotSizeMinutes: 60,
  rateCard: RateCard.parse({
    currency: 'BRL',
    default: { base_fee: 500, per_km: [{ up_to: null, cents_each: 100 }], per_kg: [{ up_to: null, cents_each: 0 }] },
  }),
};
const PAYMENT = { id: 'p1', payment_status: 'PAID', method: 'ONLINE', value: 0 };

const engine = () =>
  createDeliveryEngineActivities({
    engine: createHttpClient('Delivery Engine', baseUrl),
    apiKey: 'k',
    jobKeySecret: 's',
    settings: SLOT_SETTINGS,
  });

async function refusedWithoutCall(call: Promise<unknown>): Promise<void> {
  await expect(call).rejects.toBeInstanceOf(ApplicationFailure);
  await expect(call).rejects.toMatchObject({ nonRetryable: true, type: 'BadRequest' });
  expect(seen).toEqual([]);
}

describe.each(['.', '..', '...'])('the id %j', (id) => {
  it('is no engine job path: cancel, hold and read are refused before any call', async () => {
    await refusedWithoutCall(engine().cancelJob(id, 'r'));
    await refusedWithoutCall(engine().holdJob({ jobId: id, payment: PAYMENT, hold: true }));
    await refusedWithoutCall(engine().updateRecipient({ jobId: id, change: { name: 'Ana' } as never }));
    await refusedWithoutCall(engine().getJob(id));
    await refusedWithoutCall(engine().checkSlot(id));
    await refusedWithoutCall(engine().extendSlot(id));
  });
});

it('refuses an Abbiamo delivery id of only dots at the intake', () => {
  for (const id of ['.', '..', '...']) expect(SafeId.safeParse(id).success).toBe(false);
  for (const id of ['a..b', '.a', 'd-1.2']) expect(SafeId.safeParse(id).success).toBe(true);
});

it('keeps an engine job id with dots one segment of its own path', async () => {
  await engine().cancelJob('a..b', 'r');
  await engine().holdJob({ jobId: '.a', payment: PAYMENT, hold: true });
  expect(seen).toEqual(['/api/jobs/a..b/cancel', '/api/jobs/.a/payment_info']);
});
