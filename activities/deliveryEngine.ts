/**
 * Delivery Engine calls (Instaleap, docs/partners.md "Delivery Engine"), one activity per step.
 * Answers are checked against the contract schemas: an engine that answers garbage fails the call
 * (retried, then flagged by the workflow), never trusted.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  BLOCKING_POLICY,
  CreateJobResponse,
  Job,
  SlotCheckResponse,
  type ChosenSlot,
  type CreateJobRequest,
  type PaymentDetails,
  type RecipientUpdateRequest,
  type SlotSearch,
} from '../contracts/deliveryEngine';
import { cancelPath, extendSlotPath, recipientPath } from '../contracts/instaleapChoices';
import { webhookKeyFor } from '../contracts/webhookKey';
import type { JobSpec } from '../contracts/delivery';
import { creationAttemptDetail } from '../contracts/failures';
import { createSlotClient, engineAuth, parsedAnswer as parsed, type SlotSettings } from './clients/deliveryEngine';
import { FailureType } from './failures';
import { pathSegment, type HttpClient } from './http';

/** An id that may stand in a URL path (pathSegment refuses one of only dots), as it is: the path builders encode it. */
const pathId = (id: string, what: string): string => (pathSegment(id, what), id);

export interface DeliveryEngineDeps {
  engine: HttpClient;
  apiKey: string;
  /** the secret each job's `external_data.webhook.key` is derived from */
  jobKeySecret: string;
  settings: SlotSettings;
}

export interface CreateJobInput {
  serviceId: string;
  slotId: string;
  spec: JobSpec;
}

export interface HoldJobInput {
  jobId: string;
  /** the job's payment as created: Instaleap's payment_info takes it whole */
  payment: PaymentDetails;
  hold: boolean;
}

export function createDeliveryEngineActivities({ engine, apiKey, jobKeySecret, settings }: DeliveryEngineDeps) {
  const auth = engineAuth(apiKey);
  const slots = createSlotClient({ engine, apiKey, settings });

  const checkSlot = async (slotId: string): Promise<SlotCheckResponse> => {
    const path = `/jobs/availability/${pathSegment(slotId, 'engine slot id')}/check`;
    const { body } = await engine.expectOk({ method: 'GET', path, headers: auth, timeoutMs: 3000 });
    return parsed(SlotCheckResponse, body, `GET ${path}`);
  };

  const activities = {
    /** The earliest slot fitting the delivery's window, priced by the carrier's rate card. */
    async findSlot(search: SlotSearch): Promise<ChosenSlot> {
      return slots.findSlot(search);
    },

    checkSlot,

    /** Holds the slot 3 holds longer; answers the slot's check after it (the new expiry). */
    async extendSlot(slotId: string): Promise<SlotCheckResponse> {
      const path = extendSlotPath(pathId(slotId, 'engine slot id'));
      await engine.expectOk({ method: 'PUT', path, headers: auth, timeoutMs: 3000 });
      return checkSlot(slotId);
    },

    /**
     * The slot checked (Instaleap asks for it before a create), then POST /jobs. A slot no longer
     * valid fails as SlotExpired before anything is sent: the workflow asks for another one.
     * Instaleap does not promise one job per client_reference: a retry after a lost answer may
     * make a second job, which the delivery cancels as a stray when its events come (workflows/inbox.ts).
     */
    async createJob({ serviceId, slotId, spec }: CreateJobInput): Promise<CreateJobResponse> {
      const check = await checkSlot(slotId);
      if (!check.valid)
        throw ApplicationFailure.create({
          type: FailureType.SlotExpired,
          message: `slot ${slotId} is no longer valid (its check answered valid: false)`,
          nonRetryable: true,
          details: [creationAttemptDetail(false)],
        });
      const request: CreateJobRequest = {
        ...spec.job,
        slot_id: slotId,
        client_reference: spec.clientReference,
        external_data: {
          webhook: { key: webhookKeyFor(jobKeySecret, serviceId, spec.clientReference), service_id: serviceId },
        },
      };
      const { body } = await engine.expectOk({
        method: 'POST',
        path: '/jobs',
        json: request,
        headers: auth,
        timeoutMs: 4000,
      });
      return parsed(CreateJobResponse, body, 'POST /jobs');
    },

    /**
     * A slot and the job on it in one call: the workflow's first attempt, as one activity (one
     * workflow activation instead of two). Fails like either call would.
     */
    async createJobOnNewSlot({
      serviceId,
      spec,
    }: Omit<CreateJobInput, 'slotId'>): Promise<{ slot: ChosenSlot; job: CreateJobResponse }> {
      let slot: ChosenSlot;
      try {
        slot = await slots.findSlot(spec.availability);
      } catch (err) {
        // Said explicitly: no job can exist yet, which decides what a cancel does (workflows/delivery.ts).
        throw beforeAnyCreate(err);
      }
      const job = await activities.createJob({ serviceId, slotId: slot.slot_id, spec });
      return { slot, job };
    },

    async getJob(jobId: string): Promise<Job> {
      const path = `/jobs/${pathSegment(jobId, 'engine job id')}`;
      const { body } = await engine.expectOk({ method: 'GET', path, headers: auth, timeoutMs: 3000 });
      return parsed(Job, body, `GET ${path}`);
    },

    /** 409 (already delivered) reaches the workflow as a non-retryable Conflict. */
    async cancelJob(jobId: string, reason: string): Promise<void> {
      await engine.expectOk({
        method: 'POST',
        path: cancelPath(pathId(jobId, 'engine job id')),
        json: { reason },
        headers: auth,
        timeoutMs: 5000,
      });
    },

    /** Pause / resume: the job's payment with `blocking_policy` EXIT_STORE (held in the store) or UNBLOCKED. */
    async holdJob({ jobId, payment, hold }: HoldJobInput): Promise<void> {
      await engine.expectOk({
        method: 'PUT',
        path: `/jobs/${pathSegment(jobId, 'engine job id')}/payment_info`,
        json: { payment: { ...payment, blocking_policy: hold ? BLOCKING_POLICY.hold : BLOCKING_POLICY.release } },
        headers: auth,
        timeoutMs: 5000,
      });
    },

    /** The receiver's change the platform sent, on the live job (contracts/instaleapChoices.ts recipientPath). */
    async updateRecipient({ jobId, change }: { jobId: string; change: RecipientUpdateRequest }): Promise<void> {
      await engine.expectOk({
        method: 'PUT',
        path: recipientPath(pathId(jobId, 'engine job id')),
        json: change,
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
