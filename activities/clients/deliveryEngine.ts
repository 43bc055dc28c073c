/**
 * The Delivery Engine's availability call as a plain client: no Temporal activity context, so the
 * intake can quote a rate with it (api/rates.ts) and the activities create slots with it
 * (activities/deliveryEngine.ts). Answers are checked against the contract schema: an engine
 * that answers garbage is an error, never trusted.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { AvailabilityResponse, type AvailabilityRequest } from '../../contracts/deliveryEngine';
import { FailureType } from '../failures';
import type { HttpClient } from '../http';

export interface EngineClientDeps {
  engine: HttpClient;
  apiKey: string;
}

/** What the workflow's slot request waits for the engine (an activity retries after it). */
export const AVAILABILITY_TIMEOUT_MS = 3000;

export function engineAuth(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

/** The engine's answer checked against its contract; a mismatch is a retryable InvalidResponse. */
export function parsedAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidResponse,
      message: `Delivery Engine ${what} answered an unexpected body: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      nonRetryable: false,
    });
  }
  return result.data;
}

export interface AvailabilityClient {
  /** POST /jobs/availability: a slot the engine holds for its hold time (15 min by default). */
  requestSlot(request: AvailabilityRequest, options?: { timeoutMs?: number }): Promise<AvailabilityResponse>;
}

export function createAvailabilityClient({ engine, apiKey }: EngineClientDeps): AvailabilityClient {
  const auth = engineAuth(apiKey);
  return {
    async requestSlot(request, options = {}) {
      const { body } = await engine.expectOk({
        method: 'POST',
        path: '/jobs/availability',
        json: request,
        headers: auth,
        timeoutMs: options.timeoutMs ?? AVAILABILITY_TIMEOUT_MS,
      });
      return parsedAnswer(AvailabilityResponse, body, 'POST /jobs/availability');
    },
  };
}
