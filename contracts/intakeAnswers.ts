/**
 * The intake's own answers: what the routes of api/routes/ send back, as zod schemas. No partner
 * contract describes them; api/openapi.ts documents them and test/integration/openapi.test.ts checks
 * every real answer against the served document.
 */
import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryView } from './delivery';
import { JOB_EVENT_OUTCOMES } from './deliveryEngine';

/** A delivery's status in our answers (ours, not VTEX's: no CREATED). */
const deliveryStatus = z.enum(DELIVERY_STATUSES);

/** Every refusal and failure: what went wrong, and each field path to fix (api/errors.ts). */
export const ErrorAnswer = z.object({
  error: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })),
  requestId: z.string().optional(),
});

/** A refusal on Abbiamo's routes: the same, plus `abbiamo_error`, the text Abbiamo shows the seller. */
export const AbbiamoErrorAnswer = ErrorAnswer.extend({
  abbiamo_error: z.string().describe('Shown to the seller by Abbiamo: the error and every field path'),
});

export const VtexCommandAnswer = z.object({
  message: z.literal('Service executed successfully'),
  data: z.looseObject({
    serviceId: z.string(),
    carrierId: z.string(),
    reason: z.string().nullable(),
    pause: z.boolean().optional(),
  }),
});

export const AbbiamoEventAnswer = z.union([
  z.object({
    event_type: z.string(),
    accepted: z.array(
      z.object({ delivery_id: z.string(), serviceId: z.string(), workflow: z.enum(['running', 'ended']) }),
    ),
    route: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  }),
  z.object({
    event_type: z.string(),
    ignored: z.literal(true),
    reason: z.string(),
    accepted: z.array(z.never()),
  }),
  // CANCELLATION_REQUEST: acknowledged whatever could be done (api/routes/abbiamo.ts).
  z.object({
    event_type: z.literal('CANCELLATION_REQUEST'),
    delivery_id: z.string(),
    serviceId: z.string(),
    outcome: z.enum(['cancel-sent', 'unknown-delivery', 'already-ended', 'not-cancelable']),
  }),
  // PICKUP_PIN_VALIDATION_REQUEST: the driver is unlocked (never the PIN in the answer).
  z.object({
    success: z.literal(true),
    event_type: z.literal('PICKUP_PIN_VALIDATION_REQUEST'),
    delivery_id: z.string(),
    serviceId: z.string(),
  }),
  // ORDER_RECEIVER_UPDATE: acknowledged the same way.
  z.object({
    event_type: z.enum(['ORDER_RECEIVER_UPDATE', 'order_receiver_update']),
    delivery_id: z.string(),
    serviceId: z.string(),
    outcome: z.enum(['change-sent', 'unknown-delivery', 'already-ended']),
  }),
]);

export const JobEventAnswer = z.object({
  received: z.string(),
  serviceId: z.string(),
  outcome: z.enum(JOB_EVENT_OUTCOMES),
});

/** The main fields of `DeliveryView` (contracts/delivery.ts); the compile-time check below keeps them true. */
const deliveryStateFields = {
  serviceId: z.string(),
  platform: z.enum(['vtex', 'marketplace']),
  orderId: z.string(),
  status: deliveryStatus,
  phase: z.enum(['creating', 'waiting-confirmation', 'active', 'ended']),
  paused: z.boolean(),
  needsAttention: z.boolean(),
  lastError: z.string().optional(),
  pendingReports: z.number(),
  timeline: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['status', 'event', 'report', 'platform', 'error', 'note']),
      message: z.string(),
      eventId: z.string().optional(),
      status: deliveryStatus.optional(),
    }),
  ),
};
type DocumentedView = z.output<z.ZodObject<typeof deliveryStateFields>>;
// Fails to compile when DeliveryView drops or retypes a field documented here.
const viewIsDocumented = (view: DeliveryView): DocumentedView => view;
void viewIsDocumented;

export const DeliveryStateAnswer = z.union([
  z.looseObject({ ...deliveryStateFields, workflowStatus: z.string() }),
  z.looseObject({
    serviceId: z.string(),
    status: deliveryStatus.optional(),
    workflowStatus: z.string(),
    summary: z.unknown(),
    degraded: z.string(),
  }),
]);

export const RouteAnswer = z.object({
  routeId: z.string(),
  routeName: z.string().nullable(),
  count: z.number(),
  deliveries: z.array(
    z.looseObject({
      serviceId: z.string(),
      orderId: z.string().nullable(),
      status: deliveryStatus.nullable(),
      workflowStatus: z.string(),
    }),
  ),
});

export const AttentionAnswer = z.object({
  count: z.number(),
  deliveries: z.array(
    z.object({
      serviceId: z.string(),
      orderId: z.string().nullable(),
      platform: z.string().nullable(),
      status: deliveryStatus.nullable(),
      needsAttention: z.boolean(),
      lastProgressAt: z.string(),
      lastError: z.string().nullable(),
      reason: z.string(),
    }),
  ),
});

export const OperatorCommandAnswer = z.looseObject({
  serviceId: z.string(),
  action: z.string(),
  why: z.string(),
  by: z.string(),
  follow: z.string(),
});

export const BulkStartedAnswer = z.object({
  jobId: z.string(),
  action: z.enum(['cancel', 'pause', 'resume']),
  query: z.string(),
  matched: z.number(),
  follow: z.string(),
});

export const BatchStateAnswer = z.object({
  jobId: z.string(),
  state: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'UNSPECIFIED']),
  operation: z.string(),
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  startedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  reason: z.string().nullable(),
  identity: z.string().nullable(),
});

const Money = z.object({ value: z.number().int().describe('minor units (cents)'), currency: z.string() });

/** POST /vtex/rates (mapping/vtexRate.ts): VTEX's `ServiceBody` with its `Rate`. */
export const RatesAnswer = z.looseObject({
  message: z.string(),
  data: z.looseObject({
    orderId: z.string(),
    carrierId: z.string(),
    serviceId: z.null(),
    status: z.null(),
    rate: z.object({ shippingPrice: Money, insurancePrice: Money }),
    shippingEstimatedDate: z.string(),
    transitTime: z.number().int().describe('whole minutes from the quote to the end of the slot'),
  }),
});

export const HealthAnswer = z.looseObject({ status: z.literal('ok') });
export const ReadinessAnswer = z.looseObject({
  status: z.enum(['ready', 'unavailable']),
  temporal: z.enum(['reachable', 'unreachable']),
  error: z.string().optional(),
});
