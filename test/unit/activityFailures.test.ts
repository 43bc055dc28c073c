/**
 * No error nobody classified is retried without bound (activities/failures.ts): a programming error
 * is final at once, another unknown error after a few attempts, and Temporal's own failures pass as
 * they are. The worker registers the activities through this (activities/index.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { UNEXPECTED_ATTEMPTS, withClassifiedFailures } from '../../activities/failures';
import { createActivities } from '../../activities';

const activities = withClassifiedFailures({
  readTimeline: async (record: { timeline?: unknown[] }) => record.timeline!.length,
  callClient: async () => {
    throw new Error('14 UNAVAILABLE: connection refused');
  },
  refuse: async () => {
    throw ApplicationFailure.create({ type: 'Conflict', message: 'taken', nonRetryable: true });
  },
});

async function failureAt(attempt: number, run: () => Promise<unknown>): Promise<ApplicationFailure> {
  const env = new MockActivityEnvironment({ attempt });
  try {
    await env.run(run);
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

it('makes a TypeError a final Unexpected failure at its first attempt', async () => {
  const failure = await failureAt(1, () => activities.readTimeline({}));
  expect(failure).toMatchObject({ type: 'Unexpected', nonRetryable: true });
  expect(failure.message).toMatch(/TypeError/);
});

it('retries another unknown error a few attempts, then makes it final', async () => {
  expect(await failureAt(1, () => activities.callClient())).toMatchObject({ type: 'Unexpected', nonRetryable: false });
  expect(await failureAt(UNEXPECTED_ATTEMPTS, () => activities.callClient())).toMatchObject({
    type: 'Unexpected',
    nonRetryable: true,
  });
});

it('passes a classified failure as it is', async () => {
  expect(await failureAt(1, () => activities.refuse())).toMatchObject({ type: 'Conflict', message: 'taken' });
});

it('is how the worker registers every activity', async () => {
  const registered = createActivities({
    config: {
      publicUrl: 'http://bridge.test',
      vtex: { authUrl: 'http://127.0.0.1:9', trackingUrl: 'http://127.0.0.1:9', apiKey: 'k' },
      deliveryEngine: { url: 'http://127.0.0.1:9', apiKey: 'k', webhookSecret: 's' },
      abbiamo: { url: 'http://127.0.0.1:9', carrierKey: 'c' },
      secretsKey: 'secrets:test-engine-api-key',
      labels: { signingKey: 'label-signing-key-of-this-test-0123456789', urlTtlMs: 60_000 },
    } as never,
  });
  // A target the activity cannot read: a TypeError inside it reaches the workflow as a final failure.
  const failure = await failureAt(1, () => registered.vtexUpdateService(undefined as never, { status: 'PENDING' }));
  expect(failure).toMatchObject({ type: 'Unexpected', nonRetryable: true });
});
