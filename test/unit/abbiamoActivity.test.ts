import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAbbiamoActivities } from '../../activities/abbiamo';
import type { HttpClient, HttpRequest, HttpResponse } from '../../activities/http';
import { abbiamoServiceId } from '../../mapping/ids';
import { createSealer } from '../../security/sealing';
import type { AbbiamoTarget } from '../../contracts/delivery';
import type { AbbiamoCall } from '../../mapping/eventToAbbiamo';

const sealer = createSealer('secrets:test-engine-api-key');
const carrierKey = 'our-carrier-key';
const headers = { Authorization: 'Bearer very-secret', 'X-Abbiamo-Carrier': 'carrier-9' };
const target: AbbiamoTarget = {
  platform: 'marketplace',
  deliveryId: 'd-1',
  orderNumber: 'order-1',
  tracking: 'a-vBGOS',
  sealedHeaders: sealer.sealJson(headers, abbiamoServiceId('d-1')),
};
const call: AbbiamoCall = {
  kind: 'status',
  endpoint: 'start-delivery',
  body: { delivery_id: 'd-1', event_at: '2026-11-27T12:00:00.000Z' },
};

function fakeAbbiamo(answer: HttpResponse) {
  const requests: HttpRequest[] = [];
  const client: HttpClient = {
    system: 'Abbiamo',
    baseUrl: 'http://abbiamo.test',
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

describe('abbiamoReport', () => {
  it('retries a server error, refuses to retry a 400', async () => {
    const server = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 503, body: 'busy' }).client,
      sealer,
      carrierKey,
    });
    expect(await failureOf(server.abbiamoReport(target, call))).toMatchObject({
      type: 'ServerError',
      nonRetryable: false,
    });
    const bad = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 400, body: { message: 'status unknown' } }).client,
      sealer,
      carrierKey,
    });
    expect(await failureOf(bad.abbiamoReport(target, call))).toMatchObject({
      type: 'BadRequest',
      nonRetryable: true,
    });
  });

  it('retries a 401 for a while, then gives up so the delivery is flagged', async () => {
    const { abbiamoReport } = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 401, body: null }).client,
      sealer,
      carrierKey,
    });
    const early = await failureOf(new MockActivityEnvironment({ attempt: 3 }).run(abbiamoReport, target, call));
    expect(early).toMatchObject({ type: 'Unauthorized', nonRetryable: false });
    const late = await failureOf(new MockActivityEnvironment({ attempt: 11 }).run(abbiamoReport, target, call));
    expect(late).toMatchObject({ type: 'Unauthorized', nonRetryable: true });
  });

  it('retries a 404 only for the first attempts', async () => {
    const { abbiamoReport } = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 404, body: null }).client,
      sealer,
      carrierKey,
    });
    expect(await failureOf(new MockActivityEnvironment({ attempt: 2 }).run(abbiamoReport, target, call))).toMatchObject(
      { nonRetryable: false },
    );
    expect(await failureOf(new MockActivityEnvironment({ attempt: 6 }).run(abbiamoReport, target, call))).toMatchObject(
      { nonRetryable: true },
    );
  });

  it('refuses, without retry and without calling, headers sealed for another delivery or altered', async () => {
    const { client, requests } = fakeAbbiamo({ status: 200, body: null });
    const { abbiamoReport } = createAbbiamoActivities({ abbiamo: client, sealer, carrierKey });
    const moved = await failureOf(abbiamoReport({ ...target, deliveryId: 'd-2' }, call));
    expect(moved).toMatchObject({ type: 'SecretUnreadable', nonRetryable: true });
    const parts = target.sealedHeaders.split('.');
    const ciphertext = Buffer.from(parts[2]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 0xff;
    const tampered = [parts[0], parts[1], ciphertext.toString('base64url'), parts[3]].join('.');
    const altered = await failureOf(abbiamoReport({ ...target, sealedHeaders: tampered }, call));
    expect(altered).toMatchObject({ type: 'SecretUnreadable', nonRetryable: true });
    expect(requests).toEqual([]);
    expect(`${moved.message} ${altered.message}`).not.toContain('very-secret');
  });

  it('never puts the header values in a failure', async () => {
    const { abbiamoReport } = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 403, body: { message: 'forbidden' } }).client,
      sealer,
      carrierKey,
    });
    const failure = await failureOf(abbiamoReport(target, call));
    expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain('very-secret');
  });

  it('posts to /v1/delivery/<endpoint> with the event headers and our carrier key', async () => {
    const { client, requests } = fakeAbbiamo({ status: 200, body: { success: true } });
    const { abbiamoReport } = createAbbiamoActivities({ abbiamo: client, sealer, carrierKey });
    await expect(abbiamoReport(target, call)).resolves.toEqual({ outcome: 'sent' });
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/v1/delivery/start-delivery',
        json: call.body,
        headers: { ...headers, 'x-abbiamo-carrier-key': carrierKey },
        timeoutMs: 10_000,
      },
    ]);
  });

  it('our carrier key wins over an event header of the same name, whatever its case', async () => {
    const sneaky = { Authorization: 'Bearer x', 'X-Abbiamo-Carrier-Key': 'not-ours' };
    const t = { ...target, sealedHeaders: sealer.sealJson(sneaky, abbiamoServiceId('d-1')) };
    const { client, requests } = fakeAbbiamo({ status: 200, body: null });
    await createAbbiamoActivities({ abbiamo: client, sealer, carrierKey }).abbiamoReport(t, call);
    expect(requests[0]!.headers).toEqual({ Authorization: 'Bearer x', 'x-abbiamo-carrier-key': carrierKey });
  });

  it.each([
    'EVENT_AT_BEFORE_ORDER_CREATED_AT',
    'EVENT_AT_BEFORE_DELIVERY_CREATED_AT',
    'EVENT_CANNOT_BE_TERMINAL_AGAIN',
    'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS',
    'EVENT_NOT_IN_UPDATE_TIME_WINDOW',
  ])("Abbiamo's refusal %s is definite: non-retryable, with the code", async (code) => {
    for (const answer of [
      { status: 422, body: { code, message: 'refused' } },
      { status: 400, body: { error: code } },
      { status: 409, body: `error: ${code}` },
    ]) {
      const { abbiamoReport } = createAbbiamoActivities({
        abbiamo: fakeAbbiamo(answer).client,
        sealer,
        carrierKey,
      });
      const failure = await failureOf(abbiamoReport(target, call));
      expect(failure).toMatchObject({ type: 'AbbiamoRefused', nonRetryable: true });
      expect(failure.message).toContain(code);
    }
  });

  it('retries a 429 and a 5xx, after the Retry-After Abbiamo gives', async () => {
    const limited = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 429, body: null, headers: { 'retry-after': '7' } }).client,
      sealer,
      carrierKey,
    });
    const failure = await failureOf(limited.abbiamoReport(target, call));
    expect(failure).toMatchObject({ type: 'RateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    const busy = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 503, body: { code: 'EVENT_CANNOT_BE_TERMINAL_AGAIN' } }).client,
      sealer,
      carrierKey,
    });
    // A 5xx is a fault whatever its body says: retried.
    expect(await failureOf(busy.abbiamoReport(target, call))).toMatchObject({
      type: 'ServerError',
      nonRetryable: false,
    });
  });

  it('never puts our carrier key in a failure', async () => {
    const { abbiamoReport } = createAbbiamoActivities({
      abbiamo: fakeAbbiamo({ status: 401, body: { message: 'bad key' } }).client,
      sealer,
      carrierKey,
    });
    const failure = await failureOf(abbiamoReport(target, call));
    expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain(carrierKey);
  });
});
