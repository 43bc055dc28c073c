/**
 * Abbiamo (docs/marketplace.md): its DELIVERY_REQUEST and CANCELLATION_REQUEST
 * webhooks to us, and the carrier status endpoints we call (`POST /v1/delivery/<endpoint>`).
 * Units of its events: amounts in cents, weights in grams, lengths in cm, volumes in cm3.
 *
 * Every string and array is bounded and every number range-checked here, at the edge: nothing
 * reaches Temporal over its limits (ids become workflow ids and search attributes; an input over
 * the payload limit would be a 503 the platform retries forever instead of a 400 it can fix).
 */
import { z } from 'zod';
import { COUNTRY_MESSAGE, isCountry, isoDateTime } from './common';

/** Bounds of the event's fields (characters, elements). */
export const ABBIAMO_LIMITS = {
  id: 128,
  name: 200,
  text: 500,
  observation: 2000,
  document: 32,
  phone: 32,
  zip: 16,
  deliveries: 100,
  volumes: 200,
  contacts: 20,
  headers: 20,
  headerValue: 4096,
  /** all headers together, names and values */
  headersTotal: 16 * 1024,
} as const;
const L = ABBIAMO_LIMITS;

const bounded = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const requiredText = (max: number = L.text) => bounded(max).trim().min(1, 'is required');
const nullableText = (max: number = L.text) => bounded(max).nullish();
/** Grams, cm, cm3: a measure the size of a truck at most (100 t, 100 m, 1,000 m3). */
// Negative measures are refused by the mapping (mapping/abbiamoToJob.ts), with the same path.
const nullableMeasure = (max: number) => z.number().max(max, `must be at most ${max}`).nullish();
/** Cents: at most 100 million BRL. */
const cents = z.number().int('must be whole cents').min(0, 'must not be negative').max(10_000_000_000, 'is too large');
/** A date Abbiamo could mean: after 2000 and within ten years from now. */
const plausibleDate = isoDateTime.refine((value) => {
  const t = Date.parse(value);
  return t >= Date.UTC(2000, 0, 1) && t <= Date.now() + 10 * 365 * 24 * 3600_000;
}, 'must be a date between 2000 and ten years from now');

/** Ids that become part of our workflow ids: no spaces, slashes or control characters. */
export const SafeId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits or . _ : -')
  // It is a URL path segment at Abbiamo (activities/abbiamo.ts): "." or ".." would move the path.
  .refine((id) => !/^\.+$/.test(id), 'must not be only dots');

export const AbbiamoAddress = z.looseObject({
  zip_code: nullableText(L.zip),
  country: requiredText(L.name).refine((c) => isCountry(c), COUNTRY_MESSAGE),
  state: requiredText(L.name),
  city: requiredText(L.name),
  neighborhood: nullableText(L.name),
  street: requiredText(L.text),
  street_number: nullableText(L.zip),
  complement: nullableText(L.text),
  reference: nullableText(L.text),
  /** Abbiamo's examples print coordinates on both addresses; "optional fields may be null", so a missing pair is tolerated. */
  latitude: z.number().min(-90, 'must be -90 to 90').max(90, 'must be -90 to 90').nullish(),
  longitude: z.number().min(-180, 'must be -180 to 180').max(180, 'must be -180 to 180').nullish(),
});
export type AbbiamoAddress = z.infer<typeof AbbiamoAddress>;

/** RFC 9110 field name (a token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Set by the HTTP client itself: forwarding the event's value would break the request. */
const MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);

/** Our carrier key header at Abbiamo: ours always wins over an event header of the same name. */
export const ABBIAMO_CARRIER_KEY_HEADER = 'x-abbiamo-carrier-key';

/** Abbiamo's `GET /v1/delivery/{id}` as drift repair reads it (activities/operations.ts): its status only. */
export const AbbiamoDeliveryShown = z.looseObject({ status: z.string().min(1) });
export type AbbiamoDeliveryShown = z.infer<typeof AbbiamoDeliveryShown>;

/**
 * `logistic_data.headers`: Abbiamo does not say what they are for; we send them with every status
 * call of that delivery (docs/marketplace.md), so each must be a header an HTTP client can send.
 * Messages never echo a value (they are credentials).
 */
const HeaderRecord = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > L.headers) ctx.addIssue({ code: 'custom', path: [], message: `at most ${L.headers} headers` });
  let total = 0;
  const seen = new Set<string>();
  for (const name of names) {
    const value = headers[name]!;
    total += name.length + value.length;
    if (!HEADER_NAME.test(name))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
    else if (MANAGED_HEADERS.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is set by HTTP itself and cannot be forwarded' });
    if (seen.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'repeats a header name (names are case-insensitive)' });
    seen.add(name.toLowerCase());
    // Visible ASCII, spaces and tabs only: a line break would split the request.
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value) || value.length > L.headerValue) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `value must be at most ${L.headerValue} printable characters without line breaks`,
      });
    }
  }
  if (total > L.headersTotal)
    ctx.addIssue({ code: 'custom', path: [], message: `at most ${L.headersTotal} characters of headers in all` });
});

/**
 * A `__proto__` key of the JSON would vanish in parsing (it is not an own property of the result):
 * refused by name rather than silently dropped.
 */
export const CallbackHeaders = z
  .unknown()
  .superRefine((raw, ctx) => {
    if (raw && typeof raw === 'object' && Object.prototype.hasOwnProperty.call(raw, '__proto__'))
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is not a header name we can forward' });
  })
  .pipe(HeaderRecord);

/**
 * `logistic_data.pickup_verification`: with `carrier` we make the pickup code and send it back as
 * `collect_verification_code`; with `abbiamo` its 4-digit `pincode_value` is shown to the driver.
 */
export const PickupVerification = z
  .looseObject({
    pincode: z.boolean(),
    pincode_owner: z.enum(['carrier', 'abbiamo']).nullish(),
    pincode_value: z
      .string()
      .regex(/^\d{4}$/, 'must be 4 digits')
      .nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.pincode && !v.pincode_owner)
      ctx.addIssue({ code: 'custom', path: ['pincode_owner'], message: 'is required when pincode is true' });
    if (v.pincode && v.pincode_owner === 'abbiamo' && !v.pincode_value)
      ctx.addIssue({
        code: 'custom',
        path: ['pincode_value'],
        message: 'is required when pincode_owner is abbiamo (the driver must be shown it)',
      });
  });
export type PickupVerification = z.infer<typeof PickupVerification>;

export const CarrierAdditionalInformation = z.looseObject({
  keep_prescription: z.boolean().nullish(),
  thermolabile: z.boolean().nullish(),
  pos_terminal_required: z.boolean().nullish(),
  return_to_origin: z.boolean().nullish(),
  observation: nullableText(L.observation),
});

export const Volume = z.looseObject({
  id: requiredText(L.id),
  /** grams */
  weight: nullableMeasure(100_000_000),
  /** cm */
  height: nullableMeasure(10_000),
  width: nullableMeasure(10_000),
  length: nullableMeasure(10_000),
  /** cm3 */
  cubic_volume: nullableMeasure(1_000_000_000),
});

export const AbbiamoDelivery = z.looseObject({
  invoice_number: nullableText(L.id),
  invoice_access_key: nullableText(L.id),
  invoice_created_at: plausibleDate.nullish(),
  delivery_id: SafeId,
  order_number: requiredText(L.id),
  tracking: nullableText(L.id),
  /** cents */
  amount: cents,
  /** cents */
  expected_delivery_price: cents.nullish(),
  carrier_additional_information: CarrierAdditionalInformation.nullish(),
  volumes: z
    .array(Volume)
    .min(1, 'at least one volume is needed to deliver')
    .max(L.volumes, `at most ${L.volumes} volumes`),
  customer: z.looseObject({
    name: requiredText(L.name),
    phone: nullableText(L.phone),
    phone_country_code: nullableText(8),
    document_number: nullableText(L.document),
  }),
  destination_address: AbbiamoAddress,
});
export type AbbiamoDelivery = z.infer<typeof AbbiamoDelivery>;

export const DeliveryRequestEvent = z
  .looseObject({
    event_type: z.literal('DELIVERY_REQUEST'),
    seller: z.looseObject({
      seller_name: requiredText(L.name),
      seller_id: requiredText(L.id),
      seller_document_number: nullableText(L.document),
      seller_group_id: nullableText(L.id),
      seller_contacts: z
        .array(
          z.looseObject({
            name: nullableText(L.name),
            phone: nullableText(L.phone),
            phone_country_code: nullableText(8),
            email: nullableText(L.name),
          }),
        )
        .max(L.contacts, `at most ${L.contacts} contacts`)
        .nullish(),
    }),
    carrier: z.looseObject({
      name: requiredText(L.name),
      /** "HH:MM:SS-03": the time of day, in the seller's offset, by which the order leaves the seller */
      max_dispatched_time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?([+-]\d{2}(:?\d{2})?|Z)?$/, 'must look like 14:00:00-03')
        .nullish(),
      expected_delivery_date: plausibleDate.nullish(),
      /** cents */
      total_expected_delivery_price: cents.nullish(),
      method: z.looseObject({
        external_id: nullableText(L.id),
        id: requiredText(L.id),
        name: requiredText(L.name),
        type: nullableText(L.id),
      }),
    }),
    logistic_data: z.looseObject({ headers: CallbackHeaders, pickup_verification: PickupVerification.nullish() }),
    source_address: AbbiamoAddress,
    make_route: z.boolean(),
    courier_must_return: z.boolean().nullish(),
    route_id: SafeId.nullish(),
    route_name: nullableText(L.name),
    deliveries: z
      .array(AbbiamoDelivery)
      .min(1, 'at least one delivery is needed')
      .max(L.deliveries, `at most ${L.deliveries} deliveries per event`),
  })
  .superRefine(
    (parsed, ctx) => {
      // Runs even when fields failed (so one 400 lists every problem): read the value defensively.
      const event = parsed as unknown as { make_route?: unknown; route_id?: unknown; deliveries?: unknown };
      if (event.make_route === true && !event.route_id) {
        ctx.addIssue({ code: 'custom', path: ['route_id'], message: 'is required when make_route is true' });
      }
      const seen = new Set<string>();
      (Array.isArray(event.deliveries) ? event.deliveries : []).forEach((d: unknown, i) => {
        const id = (d as { delivery_id?: unknown } | null)?.delivery_id;
        if (typeof id !== 'string') return;
        if (seen.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['deliveries', i, 'delivery_id'],
            message: 'is repeated in this event',
          });
        seen.add(id);
      });
    },
    { when: ({ value }) => typeof value === 'object' && value !== null },
  );
export type DeliveryRequestEvent = z.infer<typeof DeliveryRequestEvent>;

export const CANCELLATION_SUB_STATUSES = ['SELLER_CANCELED', 'CARRIER_TIMEOUT'] as const;

/** Abbiamo cancels a delivery: the seller did (before collection), or we did not confirm in time. */
export const CancellationRequestEvent = z.looseObject({
  event_type: z.literal('CANCELLATION_REQUEST'),
  delivery_id: SafeId,
  order_number: nullableText(L.id),
  tracking: nullableText(L.id),
  seller_id: nullableText(L.id),
  seller_name: nullableText(L.name),
  seller_document_number: nullableText(L.document),
  seller_group_id: nullableText(L.id),
  status: z.literal('ORDER_FAILED').nullish(),
  sub_status: z.enum(CANCELLATION_SUB_STATUSES),
  /** epoch ms */
  timestamp: z.number().int().min(0).max(8_640_000_000_000).nullish(),
  event_at: isoDateTime.nullish(),
  support_id: nullableText(L.id),
});
export type CancellationRequestEvent = z.infer<typeof CancellationRequestEvent>;

/**
 * The receiver changed after the request (one of Abbiamo's homologation scenarios; its public docs
 * name the event, ORDER_RECEIVER_UPDATE, "triggered when the receiver of the order is updated", and
 * print no body). The shape is our guess, in this one place: the delivery's id and the changed
 * receiver in DELIVERY_REQUEST's own terms (`customer`, `destination_address`), either or both.
 * Both spellings of the type are taken (docs/marketplace.md "Receiver changes").
 */
export const RECEIVER_UPDATE_EVENT_TYPES = ['ORDER_RECEIVER_UPDATE', 'order_receiver_update'] as const;
export const ReceiverUpdateEvent = z
  .looseObject({
    event_type: z.enum(RECEIVER_UPDATE_EVENT_TYPES),
    delivery_id: SafeId,
    event_at: isoDateTime.nullish(),
    customer: z
      .looseObject({
        name: nullableText(L.name),
        phone: nullableText(L.phone),
        phone_country_code: nullableText(8),
        document_number: nullableText(L.document),
      })
      .nullish(),
    destination_address: AbbiamoAddress.nullish(),
  })
  .refine(
    (e) => Boolean(e.destination_address || e.customer?.name || e.customer?.phone || e.customer?.document_number),
    {
      message: 'changes nothing: give customer (name, phone, document_number) or destination_address',
      path: ['customer'],
    },
  );
export type ReceiverUpdateEvent = z.infer<typeof ReceiverUpdateEvent>;

/**
 * Abbiamo's pickup PIN validated (its "Pickup pincode, driver-to-seller flow": the store operator
 * typed the PIN the driver told, Abbiamo checked it and asks the carrier, synchronously, to unlock
 * the driver). Abbiamo's docs name the webhook, PICKUP_PIN_VALIDATION_REQUEST, and print no body:
 * the shape is our guess, in this one place. `pincode_value`, when sent, must be the delivery's.
 */
export const PICKUP_PIN_VALIDATION_REQUEST = 'PICKUP_PIN_VALIDATION_REQUEST';
export const PickupPinValidationEvent = z.looseObject({
  event_type: z.literal(PICKUP_PIN_VALIDATION_REQUEST),
  delivery_id: SafeId,
  pincode_value: z
    .string()
    .regex(/^\d{4}$/, 'must be 4 digits')
    .nullish(),
  event_at: isoDateTime.nullish(),
});
export type PickupPinValidationEvent = z.infer<typeof PickupPinValidationEvent>;

export const ABBIAMO_EVENT_TYPES = ['DELIVERY_REQUEST', 'CANCELLATION_REQUEST'] as const;

/** Every Abbiamo event carries its type; the route picks the schema by it. */
export const AbbiamoEventEnvelope = z.looseObject({ event_type: requiredText(L.id) });

/** Both webhooks, discriminated on `event_type`. */
export const AbbiamoEvent = z.discriminatedUnion('event_type', [DeliveryRequestEvent, CancellationRequestEvent]);
export type AbbiamoEvent = z.infer<typeof AbbiamoEvent>;

// ---- Us to Abbiamo: the carrier status endpoints, POST /v1/delivery/<endpoint> ----

export const ABBIAMO_ENDPOINTS = [
  'confirmed',
  'handling',
  'collecting-delivery',
  'at-pickup-point',
  'start-delivery',
  'successful',
  'failed-to-deliver',
  'returning',
  'returned',
  'canceled',
] as const;
export type AbbiamoEndpoint = (typeof ABBIAMO_ENDPOINTS)[number];

/** The refusals Abbiamo documents: definite, never retried (activities/failures.ts). */
export const ABBIAMO_REFUSAL_CODES = [
  'EVENT_AT_BEFORE_ORDER_CREATED_AT',
  'EVENT_AT_BEFORE_DELIVERY_CREATED_AT',
  'EVENT_CANNOT_BE_TERMINAL_AGAIN',
  'EVENT_CANNOT_BE_AFTER_TERMINAL_STATUS',
  'EVENT_NOT_IN_UPDATE_TIME_WINDOW',
] as const;
export type AbbiamoRefusalCode = (typeof ABBIAMO_REFUSAL_CODES)[number];

const optionalText = (max: number) => z.string().max(max).optional();

/** What every status call may carry: `{delivery_id, event_at}` and as much detail as we have. */
export const AbbiamoStatusBody = z.looseObject({
  delivery_id: SafeId,
  event_at: isoDateTime,
  sub_status: optionalText(L.id),
  /** confirmed: our id for the delivery (the engine job) */
  external_id: optionalText(L.id),
  /** free text for the seller: why it failed or was canceled */
  reason: optionalText(L.text),
  driver_name: optionalText(L.name),
  driver_phone: optionalText(L.phone),
  driver_document: optionalText(L.document),
  vehicle: optionalText(L.name),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  pickup_eta: isoDateTime.optional(),
  destination_eta: isoDateTime.optional(),
  /** cents, as Abbiamo's own amounts */
  price: z.number().int().nonnegative().optional(),
  tracking_url: optionalText(2048),
  /** confirmed: the signed URL of the delivery's shipping label, a PDF page per package (docs/labels.md) */
  mail_label: optionalText(2048),
  collect_verification_code: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  /** successful: who the parcel was for (field names our guess) */
  receiver_name: optionalText(L.name),
  receiver_document: optionalText(L.document),
  /** successful: links to the engine's image evidences (field name our guess) */
  proof_of_delivery_urls: z.array(z.string().max(2048)).max(10).optional(),
  /** successful: the engine's text evidences, such as who received (field name our guess) */
  proof_of_delivery_note: optionalText(L.text),
});
export type AbbiamoStatusBody = z.infer<typeof AbbiamoStatusBody>;
