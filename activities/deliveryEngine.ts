/**
 * Delivery Engine calls (the engine's Create a Job and docs/partners.md "Delivery Engine"), one activity per endpoint. Answers
 * are checked against the contract schemas: an engine that answers garbage is retried, not trusted.
 */
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import {
  CreateJobResponse,
  Job,
  SlotCheckResponse,
  SlotExtendResponse,
  type AvailabilityRequest,
  type AvailabilityResponse,
  type CreateJobRequest,
} from '../contracts/deliveryEngine';
import { webhookKeyFor } from '../contracts/webhookKey';
import type { JobSpec } from '../contracts/delivery';
import { creationAttemptDetail } from '../contracts/failures';
import { createAvailabilityClient, engineAuth, parsedAnswer as parsed } from './clients/deliveryEngine';
import { FailureType } from './failures';
import type { HttpClient } from './http';

const JobReference = z.object({ job_id: z.string(), client_reference: z.string() });

export interface DeliveryEngineDeps {
  engine: HttpClient;
  apiKey: string;
  /** Where the engine sends job events: PUBLIC_URL + /delivery-engine/webhooks. */
  webhookUrl: string;
  webhookSecret: string;
}

export interface CreateJobInput {
  serviceId: string;
  slotId: string;
  spec: JobSpec;
}

export function createDeliveryEngineActivities({ engine, apiKey, webhookUrl, webhookSecret }: DeliveryEngineDeps) {
  const auth = engineAuth(apiKey);
  const availability = createAvailabilityClient({ engine, apiKey });

  const activities = {
    async requestSlot(request: AvailabilityRequest): Promise<AvailabilityResponse> {
      return availability.requestSlot(request);
    },

    async checkSlot(slotId: string): Promise<z.output<typeof SlotCheckResponse>> {
      const path = `/jobs/availability/${encodeURIComponent(slotId)}/check`;
      const { body } = await engine.expectOk({ method: 'GET', path, headers: auth, timeoutMs: 3000 });
      return parsed(SlotCheckResponse, body, `GET ${path}`);
    },

    async extendSlot(slotId: string): Promise<z.output<typeof SlotExtendResponse>> {
      const path = `/jobs/${encodeURIComponent(slotId)}/extend-expiration-time`;
      const { body } = await engine.expectOk({ method: 'PUT', path, headers: auth, timeoutMs: 3000 });
      return parsed(SlotExtendResponse, body, `PUT ${path}`);
    },

    /**
     * Idempotent on client_reference at the engine: a retry after a lost answer gets the same job.
     * An answer that is not `201 created` found an existing job: it is taken only if its
     * client_reference is ours (a job of another delivery is never adopted).
     */
    async createJob({ serviceId, slotId, spec }: CreateJobInput): Promise<CreateJobResponse> {
      const request: CreateJobRequest = {
        ...spec.job,
        slot_id: slotId,
        client_reference: spec.clientReference,
        external_data: {
          webhook: { URL: webhookUrl, key: webhookKeyFor(webhookSecret, serviceId, spec.clientReference) },
        },
      };
      const { status, body } = await engine.expectOk({
        method: 'POST',
        path: '/jobs',
        json: request,
        headers: auth,
        timeoutMs: 4000,
      });
      const job = parsed(CreateJobResponse, body, 'POST /jobs');
      if (status !== 201) {
        // Only the reference is read: the rest of the job is not needed to know whose it is.
        const path = `/jobs/${encodeURIComponent(job.job_id)}`;
        const { body: held } = await engine.expectOk({ method: 'GET', path, headers: auth, timeoutMs: 3000 });
        if (parsed(JobReference, held, `GET ${path}`).client_reference !== spec.clientReference)
          throw ApplicationFailure.create({
            type: FailureType.Refused,
            message: `POST /jobs answered ${status} with job ${job.job_id}, whose client_reference is not this delivery's: not taken`,
            nonRetryable: true,
            details: [creationAttemptDetail(true)],
          });
      }
      return job;
    },

    /**
     * A slot and the job on it in one call: the workflow's first attempt, as one local activity
     * (one workflow activation instead of two). Fails like either call would.
     */
    async createJobOnNewSlot({
      serviceId,
      spec,
    }: Omit<CreateJobInput, 'slotId'>): Promise<{ slot: AvailabilityResponse; job: CreateJobResponse }> {
      let slot: AvailabilityResponse;
      try {
        slot = await activities.requestSlot(spec.availability);
      } catch (err) {
        // Said explicitly: no job can exist yet, which decides what a cancel does (workflows/delivery.ts).
        throw beforeAnyCreate(err);
      }
      const job = await activities.createJob({ serviceId, slotId: slot.slot_id, spec });
      return { slot, job };
    },

    async getJob(jobId: string): Promise<Job> {
      const path = `/jobs/${encodeURIComponent(jobId)}`;
      const { body } = await engine.expectOk({ method: 'GET', path, headers: auth, timeoutMs: 3000 });
      return parsed(Job, body, `GET ${path}`);
    },

    /** 409 (already delivered) reaches the workflow as a non-retryable Conflict. */
    async cancelJob(jobId: string, reason: string): Promise<void> {
      await engine.expectOk({
        method: 'POST',
        path: `/jobs/${encodeURIComponent(jobId)}/cancel`,
        json: { reason },
        headers: auth,
        timeoutMs: 5000,
      });
    },

    async holdJob(jobId: string, onHold: boolean, reason: string): Promise<void> {
      await engine.expectOk({
        method: 'POST',
        path: `/jobs/${encodeURIComponent(jobId)}/hold`,
        json: { on_hold: onHold, reason },
        headers: auth,
        timeoutMs: 5000,
      });
    },
  };
  return activities;
}

export type DeliveryEngineActivities = ReturnType<typeof createDeliveryEngineActivities>;

function beforeAnyCreate(err: unknown): ApplicationFailure {
  const cause = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({
    type: err instanceof ApplicationFailure ? (err.type ?? undefined) : FailureType.Network,
    message: cause.message,
    nonRetryable: err instanceof ApplicationFailure ? Boolean(err.nonRetryable) : false,
    details: [...(err instanceof ApplicationFailure ? (err.details ?? []) : []), creationAttemptDetail(false)],
  });
}
