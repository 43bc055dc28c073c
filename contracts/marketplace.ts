/**
 * The marketplace's DELIVERY_REQUEST event (seed 002) and our status callbacks to it (CONTRACT.md
 * section 6). Units of the seed: amounts in cents, weights in grams, lengths in cm, volumes in cm3.
 */
import { z } from 'zod';
import { isoDateTime } from './common';

const requiredText = z.string().trim().min(1, 'is required');
const nullableText = z.string().nullish();
const nullableNumber = z.number().nullish();

/** Ids that become part of our workflow ids: no spaces, slashes or control characters. */
export const SafeId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits or . _ : -');

export const MarketplaceAddress = z.looseObject({
  zip_code: nullableText,
  country: requiredText,
  state: requiredText,
  city: requiredText,
  neighborhood: nullableText,
  street: requiredText,
  street_number: nullableText,
  complement: nullableText,
  reference: nullableText,
  /** Seed 002 prints coordinates on both addresses; "optional fields may be null", so a missing pair is tolerated. */
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
});
export type MarketplaceAddress = z.infer<typeof MarketplaceAddress>;

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

/**
 * `logistic_data.headers`: sent back verbatim on every status callback, so each must be a header
 * an HTTP client can send. Messages never echo a value (they are credentials).
 */
export const CallbackHeaders = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > 50) ctx.addIssue({ code: 'custom', path: [], message: 'at most 50 headers' });
  const seen = new Set<string>();
  for (const name of names) {
    const value = headers[name]!;
    if (!HEADER_NAME.test(name))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
    else if (MANAGED_HEADERS.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'is set by HTTP itself and cannot be forwarded' });
    if (seen.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'repeats a header name (names are case-insensitive)' });
    seen.add(name.toLowerCase());
    // Visible ASCII, spaces and tabs only: a line break would split the request.
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value) || value.length > 8192) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'value must be at most 8192 printable characters without line breaks',
      });
    }
  }
});

export const CarrierAdditionalInformation = z.looseObject({
  keep_prescription: z.boolean().nullish(),
  thermolabile: z.boolean().nullish(),
  pos_terminal_required: z.boolean().nullish(),
  return_to_origin: z.boolean().nullish(),
  observation: nullableText,
});

export const Volume = z.looseObject({
  id: requiredText,
  /** grams */
  weight: nullableNumber,
  /** cm */
  height: nullableNumber,
  width: nullableNumber,
  length: nullableNumber,
  /** cm3 */
  cubic_volume: nullableNumber,
});

export const MarketplaceDelivery = z.looseObject({
  invoice_number: nullableText,
  invoice_access_key: nullableText,
  invoice_created_at: isoDateTime.nullish(),
  delivery_id: SafeId,
  order_number: requiredText,
  tracking: nullableText,
  /** cents */
  amount: z.number().int().nonnegative(),
  /** cents */
  expected_delivery_price: z.number().int().nonnegative().nullish(),
  carrier_additional_information: CarrierAdditionalInformation.nullish(),
  volumes: z.array(Volume).min(1, 'at least one volume is needed to deliver'),
  customer: z.looseObject({
    name: requiredText,
    phone: nullableText,
    phone_country_code: nullableText,
    document_number: nullableText,
  }),
  destination_address: MarketplaceAddress,
});
export type MarketplaceDelivery = z.infer<typeof MarketplaceDelivery>;

export const DeliveryRequestEvent = z
  .looseObject({
    event_type: z.literal('DELIVERY_REQUEST'),
    seller: z.looseObject({
      seller_name: requiredText,
      seller_id: requiredText,
      seller_document_number: nullableText,
      seller_group_id: nullableText,
      seller_contacts: z
        .array(
          z.looseObject({
            name: nullableText,
            phone: nullableText,
            phone_country_code: nullableText,
            email: nullableText,
          }),
        )
        .nullish(),
    }),
    carrier: z.looseObject({
      name: requiredText,
      /** "HH:MM:SS-03": the time of day, in the seller's offset, by which the order leaves the seller */
      max_dispatched_time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?([+-]\d{2}(:?\d{2})?|Z)?$/, 'must look like 14:00:00-03')
        .nullish(),
      expected_delivery_date: isoDateTime.nullish(),
      /** cents */
      total_expected_delivery_price: z.number().int().nonnegative().nullish(),
      method: z.looseObject({ external_id: nullableText, id: requiredText, name: requiredText, type: nullableText }),
    }),
    logistic_data: z.looseObject({ headers: CallbackHeaders }),
    source_address: MarketplaceAddress,
    make_route: z.boolean(),
    courier_must_return: z.boolean().nullish(),
    route_id: SafeId.nullish(),
    route_name: nullableText,
    deliveries: z.array(MarketplaceDelivery).min(1, 'at least one delivery is needed'),
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

/** Every marketplace event carries its type; only DELIVERY_REQUEST is defined by seed 002. */
export const MarketplaceEventEnvelope = z.looseObject({ event_type: requiredText });

export const MARKETPLACE_STATUSES = [
  'PENDING',
  'ASSIGNED',
  'PICKED',
  'ON_ROUTE',
  'INCIDENT',
  'ON_HOLD',
  'RETURNED',
  'DELIVERED',
  'CANCELED',
] as const;
export const MarketplaceStatus = z.enum(MARKETPLACE_STATUSES);
export type MarketplaceStatus = z.infer<typeof MarketplaceStatus>;

/** POST {MARKETPLACE_URL}/deliveries/{delivery_id}/events */
export const StatusCallback = z.object({
  event_id: requiredText,
  status: MarketplaceStatus,
  occurred_at: isoDateTime,
  tracking: z.string().nullable(),
  delivery_id: requiredText,
  order_number: requiredText,
  tracking_url: z.string().optional(),
  agent: z
    .object({ id: z.string(), name: z.string(), phone: z.string().optional(), vehicle: z.string().optional() })
    .optional(),
  reason: z.string().optional(),
  estimated_delivery_at: isoDateTime.optional(),
});
export type StatusCallback = z.infer<typeof StatusCallback>;
