/**
 * The Delivery Engine (the engine's Create a Job, Instaleap's "Create a Job", and docs/partners.md "Delivery Engine").
 * Units of the engine, chosen here because the seed leaves them open (docs/partners.md):
 * money in major currency units (decimals allowed, as in the engine's `amount_value: 18.9`),
 * weights in kilograms, lengths in centimetres, volumes in cubic centimetres.
 */
import { z } from 'zod';
import { isoDateTime } from './common';

const requiredText = z.string().trim().min(1, 'is required');

export const EngineAddress = z.object({
  name: z.string().optional(),
  address: requiredText,
  address_two: z.string().optional(),
  description: z.string().optional(),
  neighborhood: z.string().optional(),
  city: requiredText,
  state: requiredText,
  country: requiredText,
  zip_code: z.string().optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
});
export type EngineAddress = z.infer<typeof EngineAddress>;

export const EngineItem = z.object({
  id: requiredText,
  name: requiredText,
  quantity: z.number().int().positive(),
  /** kilograms per unit */
  weight_kg: z.number().nonnegative().optional(),
  /** centimetres */
  dimensions_cm: z
    .object({ width: z.number().nonnegative(), height: z.number().nonnegative(), length: z.number().nonnegative() })
    .partial()
    .optional(),
  /** major currency units per unit */
  price: z.number().nonnegative().optional(),
  barcode: z.string().optional(),
  package_id: z.string().optional(),
});
export type EngineItem = z.infer<typeof EngineItem>;

export const DeliveryWindow = z.object({ starts_at: isoDateTime, ends_at: isoDateTime });
export type DeliveryWindow = z.infer<typeof DeliveryWindow>;

/** POST /jobs/availability */
export const AvailabilityRequest = z.object({
  origin: EngineAddress,
  destination: EngineAddress,
  items: z.array(EngineItem).min(1),
  window: DeliveryWindow.optional(),
});
export type AvailabilityRequest = z.infer<typeof AvailabilityRequest>;

export const AvailabilityResponse = z.object({
  slot_id: z.string(),
  expires_at: isoDateTime,
  starts_at: isoDateTime,
  ends_at: isoDateTime,
  price: z.number(),
});
export type AvailabilityResponse = z.infer<typeof AvailabilityResponse>;

export const SlotCheckResponse = z.object({ slot_id: z.string(), valid: z.boolean(), expires_at: isoDateTime });
export const SlotExtendResponse = z.object({ slot_id: z.string(), expires_at: isoDateTime });

const WebhookTarget = z.object({ key: requiredText, URL: z.url() });

/** POST /jobs: the engine's body ("Use this one": the full copy). */
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
    payment: z.object({
      id: requiredText,
      payment_status: requiredText,
      payment_status_details: z.string().optional(),
      method_details: z.string().optional(),
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
    }),
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
  external_data: z.object({
    webhook: WebhookTarget,
    backoffice: WebhookTarget.optional(),
    shopper_app: WebhookTarget.optional(),
  }),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const CreateJobResponse = z.object({
  job_id: z.string(),
  status: z.string(),
  tracking_url: z.string(),
  delivery_code: z.string().optional(),
});
export type CreateJobResponse = z.infer<typeof CreateJobResponse>;

export const JobStatus = z.enum(['CREATED', 'IN_PROGRESS', 'ON_HOLD', 'CANCELLED', 'DELIVERED', 'RETURNED', 'FAILED']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  job_id: z.string(),
  client_reference: z.string(),
  slot_id: z.string(),
  status: JobStatus,
  last_event: z.string().nullable(),
  on_hold: z.boolean(),
  tracking_url: z.string(),
  delivery_code: z.string().optional(),
  created_at: isoDateTime,
  window: z.object({ starts_at: isoDateTime, ends_at: isoDateTime }),
  price: z.number(),
  request: CreateJobRequest.omit({ external_data: true }),
  cancel_reason: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const CancelJobRequest = z.object({ reason: z.string() });
export const HoldJobRequest = z.object({ on_hold: z.boolean(), reason: z.string() });

/** Instaleap's own Job Tracking event types, then the three docs/partners.md "Delivery Engine" adds. */
export const KNOWN_EVENT_TYPES = [
  'CREATED',
  'ALLOCATED',
  'RE_ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_STARTED',
  'PICKING_FINISHED',
  'CHECKOUT_STARTED',
  'CHECKED_OUT',
  'INVOICING_STARTED',
  'INVOICED',
  'PACKAGES_CREATED',
  'GOING_TO_DESTINATION_STARTED',
  'ARRIVED_TO_DESTINATION',
  'DELIVERING_STARTED',
  'CLIENT_RECEIVED',
  'CANCELLED',
  'RESCHEDULED',
  'REFUSED',
  'INCIDENT',
  'ON_HOLD',
  'RETURNED',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

export const EngineResource = z.object({
  id: requiredText,
  name: requiredText,
  phone: z.string().nullish(),
  identification: z.string().nullish(),
  vehicle: z.string().nullish(),
});
export type EngineResource = z.infer<typeof EngineResource>;

/** A Job Tracking webhook event (docs/partners.md "Delivery Engine"). Other event types are accepted and recorded. */
export const JobEvent = z.object({
  id: requiredText,
  type: requiredText,
  created_at: isoDateTime,
  job: z.object({ id: requiredText, client_reference: requiredText }),
  resource: EngineResource.nullish(),
  tracking_url: z.string().nullish(),
  eta: isoDateTime.nullish(),
  distance_m: z.number().nonnegative().nullish(),
  rating: z.number().min(1).max(5).nullish(),
  evidences: z
    .array(z.object({ type: z.enum(['IMAGE', 'TEXT']), content: requiredText, author: z.string().nullish() }))
    .nullish(),
  notes: z
    .array(z.object({ type: z.enum(['COMMENT', 'ERROR']), note: requiredText, author: z.string().nullish() }))
    .nullish(),
  labels: z
    .array(
      z.object({
        id: requiredText,
        url: requiredText,
        name: requiredText,
        type: z.enum(['PDF', 'BASE64', 'TEXT', 'ZPL']),
      }),
    )
    .nullish(),
  reason: z.string().nullish(),
});
export type JobEvent = z.infer<typeof JobEvent>;

/**
 * What the intake did with a job event (its 200 answer): handed to the running delivery; acknowledged
 * for a delivery that ended (its own job) or that Temporal no longer holds; or, for a job its ended
 * delivery never knew, a cancel of that job started (workflows/strayJob.ts).
 */
export const JOB_EVENT_OUTCOMES = ['accepted', 'delivery-ended', 'delivery-unknown', 'stray-job-canceling'] as const;
export type JobEventOutcome = (typeof JOB_EVENT_OUTCOMES)[number];

/** Header carrying the job's webhook key on every event. */
export const WEBHOOK_KEY_HEADER = 'x-webhook-key';
