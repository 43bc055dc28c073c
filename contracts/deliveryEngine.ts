/**
 * The Delivery Engine: Instaleap's API as its developer center and its public clients show it
 * (seeds 000/001 "Create a Job", docs/partners.md "Delivery Engine"). What Instaleap leaves
 * unpublished is chosen once, in contracts/instaleapChoices.ts.
 * Units, where Instaleap names none (docs/partners.md): money in major currency units (as in the
 * seed's `amount_value: 18.9`), item weights in kilograms, volumes in cubic centimetres.
 */
import { z } from 'zod';
import { isoDateTime } from './common';

const requiredText = z.string().trim().min(1, 'is required');

/** An address of `origin` / `destination` (availability v2). */
export const EngineAddress = z.object({
  name: z.string().optional(),
  address: requiredText,
  address_two: z.string().optional(),
  description: z.string().optional(),
  country: requiredText,
  city: requiredText,
  state: requiredText,
  zip_code: z.string().optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
});
export type EngineAddress = z.infer<typeof EngineAddress>;

/** One of `job_items`. */
export const EngineItem = z.object({
  id: requiredText,
  name: requiredText,
  /** how `quantity` counts: always "unit" from us */
  unit: requiredText,
  quantity: z.number().positive(),
  /** kilograms per unit */
  weight: z.number().nonnegative().optional(),
  /** cubic centimetres per unit */
  volume: z.number().nonnegative().optional(),
  /** major currency units per unit */
  price: z.number().nonnegative().optional(),
  barcodes: z.array(z.string()).optional(),
});
export type EngineItem = z.infer<typeof EngineItem>;

/** The delivery's promised window (the platform's), which a slot must fit. */
export const DeliveryWindow = z.object({ starts_at: isoDateTime, ends_at: isoDateTime });
export type DeliveryWindow = z.infer<typeof DeliveryWindow>;

/**
 * What a delivery brings to a slot search (part of the workflow input): the engine's availability
 * request is built from it with the carrier's configuration (store, operational models, slot size).
 */
export interface SlotSearch {
  origin: EngineAddress;
  destination: EngineAddress;
  job_items: EngineItem[];
  /** when the platform promised it; none: the earliest slot */
  window?: DeliveryWindow;
  /** the platform's seller, for the seller-to-store map */
  seller?: string;
  currency_code: string;
  /**
   * The platform's package (VTEX) or volume (Abbiamo) ids, in its order: one shipping label each
   * (mapping/labelContent.ts). Ours, never sent to the engine.
   */
  packages?: string[];
}

/** POST /jobs/availability/v2 */
export const AvailabilityRequest = z.object({
  currency_code: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  start: isoDateTime,
  end: isoDateTime,
  /** minutes */
  slot_size: z.number().int().positive(),
  minimum_slot_size: z.number().int().positive().optional(),
  operational_models_priority: z.array(requiredText).min(1),
  fallback: z.boolean().optional(),
  store_reference: requiredText,
  origin: EngineAddress,
  destination: EngineAddress,
  job_items: z.array(EngineItem).min(1),
});
export type AvailabilityRequest = z.infer<typeof AvailabilityRequest>;

/** One slot of the availability answer: no price (Instaleap prices nothing). */
export const Slot = z.object({
  id: requiredText,
  from: isoDateTime,
  to: isoDateTime,
  operational_model: z.string(),
  description: z.string().nullish(),
  expires_at: isoDateTime,
  store: z.object({ id: z.string(), name: z.string().nullish() }).loose(),
});
export type Slot = z.infer<typeof Slot>;

/** The availability answer: a bare array of slots. */
export const AvailabilityResponse = z.array(Slot);

/** GET /jobs/availability/{slot_id}/check; the body's shape is ours (contracts/instaleapChoices.ts SlotCheckShape). */
export const SlotCheckResponse = z.object({ valid: z.boolean(), expires_at: isoDateTime.nullish() });
export type SlotCheckResponse = z.infer<typeof SlotCheckResponse>;

/**
 * The slot a delivery takes: the engine's slot and our price for it (the carrier's rate card,
 * mapping/rateCard.ts), in cents of `currency`.
 */
export interface ChosenSlot {
  slot_id: string;
  from: string;
  to: string;
  expires_at: string;
  operational_model: string;
  priceCents: number;
  currency: string;
}

export const PaymentDetails = z.object({
  id: requiredText,
  payment_status: requiredText,
  payment_status_details: z.string().optional(),
  method_details: z.string().optional(),
  /** EXIT_STORE holds the job in the store; UNBLOCKED lets it go (our pause / resume) */
  blocking_policy: z.string().optional(),
  method: requiredText,
  reference: z.string().optional(),
  value: z.number(),
  metadata: z
    .object({
      transaction: z
        .array(
          z.object({
            type: z.string(),
            status: z.string(),
            amount_currency_code: z.string(),
            amount_value: z.number(),
            created_at: isoDateTime,
          }),
        )
        .optional(),
    })
    .optional(),
});
export type PaymentDetails = z.infer<typeof PaymentDetails>;

export const BLOCKING_POLICY = { hold: 'EXIT_STORE', release: 'UNBLOCKED' } as const;

/**
 * `external_data.webhook`: free key/values Instaleap shows in the job of every webhook. Ours:
 * `key` (the job's key, contracts/webhookKey.ts) and `service_id` (the delivery).
 */
export const JobWebhookData = z.record(z.string(), z.string()).and(z.object({ key: requiredText }));

/** POST /jobs: the engine's body (seed 001, "Use this one"). */
export const CreateJobRequest = z.object({
  slot_id: requiredText,
  client_reference: requiredText,
  recipient: z.object({
    name: requiredText,
    email: z.string().optional(),
    phone_number: requiredText,
    wants_to_receive_notifications: z.boolean().optional(),
    identification: z.object({ number: requiredText, type: requiredText }).optional(),
  }),
  payment_info: z.object({
    currency_code: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
    prices: z.object({
      order_value: z.number(),
      shipping_fee: z.number(),
      taxes: z.number().optional(),
      discounts: z.number().optional(),
      subtotal: z.number(),
      attributes: z.array(z.object({ type: z.string(), name: z.string(), value: z.number() })).optional(),
      additional_info: z.array(z.object({ type: z.string(), name: z.string(), value: z.string() })).optional(),
    }),
    payment: PaymentDetails,
  }),
  add_delivery_code: z.boolean().optional(),
  pick_up_code: z.string().optional(),
  round_trip_info: z.object({ enabled: z.boolean(), reason: z.string() }).optional(),
  curbside: z.boolean().optional(),
  job_comment: z.string().optional(),
  additional_card_info: z.record(z.string(), z.string()).optional(),
  contact_less: z
    .object({ comment: z.string(), cash_receiver: z.string().optional(), phone_number: z.string().optional() })
    .optional(),
  external_data: z.object({ webhook: JobWebhookData }).loose(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

/** POST /jobs answers only the new job's id. */
export const CreateJobResponse = z.object({ message: z.string().nullish(), job_id: requiredText });
export type CreateJobResponse = z.infer<typeof CreateJobResponse>;

/** PUT /jobs/{job_id}/payment_info */
export const PaymentInfoRequest = z.object({ payment: PaymentDetails });
export type PaymentInfoRequest = z.infer<typeof PaymentInfoRequest>;

/** The recipient's change (the call is ours: contracts/instaleapChoices.ts recipientPath): only what changed. */
export const RecipientUpdateRequest = z
  .object({
    recipient: z
      .object({
        name: requiredText.optional(),
        phone_number: requiredText.optional(),
        identification: z.object({ number: requiredText, type: requiredText }).optional(),
      })
      .optional(),
    destination: EngineAddress.optional(),
  })
  .refine((r) => r.destination !== undefined || (r.recipient !== undefined && Object.keys(r.recipient).length > 0), {
    message: 'nothing to change',
  });
export type RecipientUpdateRequest = z.infer<typeof RecipientUpdateRequest>;

/** POST /jobs/{job_id}/cancel (the call is ours: contracts/instaleapChoices.ts) */
export const CancelJobRequest = z.object({ reason: z.string() });

/** A task of the job; `resource` is the driver (contracts/instaleapChoices.ts reads it). */
export const JobTask = z.looseObject({
  id: z.string(),
  type: z.string().nullish(),
  state: z.string().nullish(),
  resource: z.unknown().optional(),
  steps: z.array(z.looseObject({ id: z.string(), state: z.string().nullish(), type: z.string().nullish() })).nullish(),
});

/**
 * The job as an event carries it and as the workflow keeps it: only the fields the bridge reads.
 * Everything else (the recipient's encrypted identification, its addresses and items,
 * `external_data` with the job's key) is dropped by the parse, so it never enters workflow history.
 */
export const EventJob = z.object({
  id: requiredText,
  client_reference: requiredText,
  state: z.string().nullish(),
  start_time: isoDateTime.nullish(),
  end_time: isoDateTime.nullish(),
  tasks: z.array(JobTask).nullish(),
  // Unpublished: read only through contracts/instaleapChoices.ts, which checks their shape.
  delivery_code: z.unknown().optional(),
  tracking_url: z.unknown().optional(),
  eta: z.unknown().optional(),
  evidences: z.unknown().optional(),
});
export type EventJob = z.infer<typeof EventJob>;

/** GET /jobs/{job_id}: the job whole, as far as published. */
export const Job = EventJob.extend({
  recipient: z.unknown().optional(),
  origin: z.unknown().optional(),
  destination: z.unknown().optional(),
  job_items: z.unknown().optional(),
  payment_info: z.unknown().optional(),
  external_data: z.unknown().optional(),
  job_comment: z.string().nullish(),
}).loose();
export type Job = z.infer<typeof Job>;

/**
 * A Job Tracking event as the workflow receives it: `{id, type, created_at, job}` with the job
 * trimmed to EventJob. Any event type is accepted: the state machine decides what it means.
 */
export const JobEvent = z.object({
  id: requiredText,
  type: requiredText,
  created_at: isoDateTime,
  job: EventJob,
});
export type JobEvent = z.infer<typeof JobEvent>;

/** The webhook's body before it is trimmed: the job with its `external_data.webhook.key`. */
export const SignedJobEvent = JobEvent.extend({
  job: EventJob.extend({ external_data: z.looseObject({ webhook: z.looseObject({ key: requiredText }) }) }),
});
export type SignedJobEvent = z.infer<typeof SignedJobEvent>;

/**
 * What the intake did with a job event (its 200 answer): handed to the running delivery; acknowledged
 * for a delivery that ended (its own job) or that Temporal no longer holds; or, for a job its ended
 * delivery never knew, a cancel of that job started (workflows/strayJob.ts).
 */
export const JOB_EVENT_OUTCOMES = ['accepted', 'delivery-ended', 'delivery-unknown', 'stray-job-canceling'] as const;
export type JobEventOutcome = (typeof JOB_EVENT_OUTCOMES)[number];

/** The header carrying Instaleap's signature of every webhook. */
export const SIGNATURE_HEADER = 'instaleap-signature';

/** The fields `InstaLeap-Signature` covers (contracts/webhookKey.ts). */
export interface SignedFieldsOf {
  id: string;
  created_at: string;
  type: string;
}
