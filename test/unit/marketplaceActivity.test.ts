import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMarketplaceActivities } from '../../activities/marketplace';
import type { HttpClient, HttpRequest, HttpResponse } from '../../activities/http';
import type { StatusCallback } from '../../contracts/marketplace';
import { marketplaceServiceId } from '../../mapping/ids';
import { createSealer } from '../../security/sealing';
import type { MarketplaceTarget } from '../../contracts/delivery';

const sealer = createSealer('secrets:test-engine-api-key');
const headers = { Authorization: 'Bearer very-secret', 'X-Marketplace-Carrier': 'carrier-9' };
const target: MarketplaceTarget = {
  platform: 'marketplace',
  deliveryId: 'd-1',
  orderNumber: 'order-1',
  tracking: 'a-vBGOS',
  sealedHeaders: sealer.sealJson(headers, marketplaceServiceId('d-1')),
};
const callback: StatusCallback = {
  event_id: 'd-1:job-created',
  status: 'PENDING',
  occurred_at: '2026-11-27T12:00:00.000Z',
  tracking: 'a-vBGOS',
  delivery_id: 'd-1',
  order_number: 'order-1',
};

function fakeMarketplace(answer: HttpResponse) {
  const requests: HttpRequest[] = [];
  const client: HttpClient = {
    system: 'Marketplace',
    baseUrl: 'http://marketplace.test',
    async send<T>(request: HttpRequest) {
      requests.push(request);
      return answer as HttpResponse<T>;
    },
    expectOk: () => Promise.reject(new Error('not used')),
  };
  return { client, requests };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('marketplaceSendStatus', () => {
  it('posts the callback to /deliveries/{delivery_id}/events with exactly the unsealed headers', async () => {
    const { client, requests } = fakeMarketplace({ status: 202, body: null });
    const { marketplaceSendStatus } = createMarketplaceActivities({ marketplace: client, sealer });
    await expect(marketplaceSendStatus(target, callback)).resolves.toEqual({ outcome: 'sent' });
    expect(requests).toEqual([
      { method: 'POST', path: '/deliveries/d-1/events', json: callback, headers, timeoutMs: 10_000 },
    ]);
  });

  it('retries a server error, refuses to retry a 400', async () => {
    const server = createMarketplaceActivities({
      marketplace: fakeMarketplace({ status: 503, body: 'busy' }).client,
      sealer,
    });
    expect(await failureOf(server.marketplaceSendStatus(target, callback))).toMatchObject({
      type: 'ServerError',
      nonRetryable: false,
    });
    const bad = createMarketplaceActivities({
      marketplace: fakeMarketplace({ status: 400, body: { message: 'status unknown' } }).client,
      sealer,
    });
    expect(await failureOf(bad.marketplaceSendStatus(target, callback))).toMatchObject({
      type: 'BadRequest',
      nonRetryable: true,
    });
  });

  it('retries a 401 for a while, then gives up so the delivery is flagged', async () => {
    const { marketplaceSendStatus } = createMarketplaceActivities({
      marketplace: fakeMarketplace({ status: 401, body: null }).client,
      sealer,
    });
    const early = await failureOf(
      new MockActivityEnvironment({ attempt: 3 }).run(marketplaceSendStatus, target, callback),
    );
    expect(early).toMatchObject({ type: 'Unauthorized', nonRetryable: false });
    const late = await failureOf(
      new MockActivityEnvironment({ attempt: 11 }).run(marketplaceSendStatus, target, callback),
    );
    expect(late).toMatchObject({ type: 'Unauthorized', nonRetryable: true });
  });

  it('retries a 404 only for the first attempts', async () => {
    const { marketplaceSendStatus } = createMarketplaceActivities({
      marketplace: fakeMarketplace({ status: 404, body: null }).client,
      sealer,
    });
    expect(
      await failureOf(new MockActivityEnvironment({ attempt: 2 }).run(marketplaceSendStatus, target, callback)),
    ).toMatchObject({ nonRetryable: false });
    expect(
      await failureOf(new MockActivityEnvironment({ attempt: 6 }).run(marketplaceSendStatus, target, callback)),
    ).toMatchObject({ nonRetryable: true });
  });

  it('refuses, without retry and without calling, headers sealed for another delivery or altered', async () => {
    const { client, requests } = fakeMarketplace({ status: 200, body: null });
    const { marketplaceSendStatus } = createMarketplaceActivities({ marketplace: client, sealer });
    const moved = await failureOf(marketplaceSendStatus({ ...target, deliveryId: 'd-2' }, callback));
    expect(moved).toMatchObject({ type: 'SecretUnreadable', nonRetryable: true });
    const parts = target.sealedHeaders.split('.');
    const ciphertext = Buffer.from(parts[2]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 0xff;
    const tampered = [parts[0], parts[1], ciphertext.toString('base64url'), parts[3]].join('.');
    const altered = await failureOf(marketplaceSendStatus({ ...target, sealedHeaders: tampered }, callback));
    expect(altered).toMatchObject({ type: 'SecretUnreadable', nonRetryable: true });
    expect(requests).toEqual([]);
    expect(`${moved.message} ${altered.message}`).not.toContain('very-secret');
  });

  it('never puts the header values in a failure', async () => {
    const { marketplaceSendStatus } = createMarketplaceActivities({
      marketplace: fakeMarketplace({ status: 403, body: { message: 'forbidden' } }).client,
      sealer,
    });
    const failure = await failureOf(marketplaceSendStatus(target, callback));
    expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain('very-secret');
  });
});
