/**
 * VTEX Pick and Pack Carriers Integration Protocol (VTEX's guide), written once for the service and the
 * sandbox. Where VTEX's real traffic differs from the seed's schema (docs/partners.md "VTEX",
 * contracts/examples/README.md), the schema follows the traffic and says so.
 */
import { z } from 'zod';
import { boundedLine, boundedText, COUNTRY_MESSAGE, hasControlCharacter, isCountry, isoDateTime } from './common';
import { inlineLabelTooLarge, MAX_INLINE_LABEL_BYTES, VTEX_LIMITS } from './vtexLimits';

export { inlineLabelTooLarge, MAX_INLINE_LABEL_BYTES, VTEX_LIMITS };

export const SERVICE_STATUSES = [
  'CREATED',
  'PENDING',
  'ASSIGNED',
  'PICKED',
  'ON_ROUTE',
  'INCIDENT',
  'RETURNED',
  'DELIVERED',
  'CANCELED',
  'ON_HOLD',
] as const;
export const ServiceStatus = z.enum(SERVICE_STATUSES);
export type ServiceStatus = z.infer<typeof ServiceStatus>;

/** The statuses a carrier may set with PATCH /tracking/hook (VTEX's guide "Update service"). */
export const PatchableStatus = z.enum([
  'PENDING',
  'ASSIGNED',
  'PICKED',
  'ON_ROUTE',
  'INCIDENT',
  'RETURNED',
  'DELIVERED',
]);
export type PatchableStatus = z.infer<typeof PatchableStatus>;

/**
 * `type`: the carriers guide's four, and `TRANSFER` (store to store) of VTEX's OpenAPI (docs/partners.md). Closed: VTEX lists
 * every value, and each decides origin and destination (docs/specification.md "Mapping VTEX to the Delivery Engine").
 */
export const SERVICE_TYPES = ['PICKUP', 'DELIVERY', 'PICKUP_DELIVERY', 'TRANSFER', 'RETURN'] as const;
export const ServiceType = z.enum(SERVICE_TYPES);
export type ServiceType = z.infer<typeof ServiceType>;
/**
 * `carrierServiceType`: the values VTEX lists. Its OpenAPI says the value "is not limited to these"
 * (each carrier defines its own), so any other value is taken as data.
 */
export const KNOWN_CARRIER_SERVICE_TYPES = [
  'BROKER',
  'PICKUP_IN_STORE',
  'NATIONAL',
  'INTERNATIONAL',
  'EXPRESS',
  'SPECIALIZED',
  'OTHERS',
] as const;
/** `paymentMethod`: the carriers guide's three; VTEX's OpenAPI makes it a free string, so others are taken too. */
export const KNOWN_PAYMENT_METHODS = ['ONLINE', 'CASH_ON_DELIVERY', 'PIN_PAD'] as const;
export type PaymentMethod = (typeof KNOWN_PAYMENT_METHODS)[number];

const L = VTEX_LIMITS;

/**
 * Our ids at VTEX and VTEX's ids in our keys (orderId, carrierId): they end up in search
 * attributes, engine references and the tracking hook's URL path, so they are strict. A first
 * character that is not a dot keeps `.` and `..` out (a path segment of dots moves the URL).
 */
export const VTEX_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:~=+-]*$/;
export const VtexId = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(L.idChars, `must be at most ${L.idChars} characters`)
  .regex(VTEX_ID_PATTERN, 'must be letters, digits and . _ : ~ = + -, not starting with a dot');

const line = (max: number) => boundedLine(max).nullish();
const text = (max: number) => boundedText(max).nullish();
const requiredLine = (max: number) => boundedLine(max).trim().min(1, 'is required');
const money = z.number().nonnegative().max(L.money);
/** The carriers guide's AWSDateTime; how far ahead a date may be is checked by the mapping, against its clock. */
const date = isoDateTime;

const Location = z.looseObject({
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
});
const DeliveryWindow = z.looseObject({
  name: line(L.nameChars),
  initialDate: date.nullish(),
  finalDate: date.nullish(),
});
const Setting = z.looseObject({
  label: line(L.nameChars),
  value: text(L.settingValueChars),
  key: line(L.nameChars),
});
export type Setting = z.infer<typeof Setting>;
const Settings = z.array(Setting).max(L.settings, `at most ${L.settings} settings`).nullish();

/**
 * Where a party is. The carriers guide requires city, state, country and address; VTEX's OpenAPI requires
 * nothing, and its own example has no receiver `address` (the street is in `reference`). So all
 * are optional here; the mapping decides whether what is there places the party (docs/specification.md).
 */
const AddressFields = {
  phone: line(L.shortChars),
  email: line(L.nameChars),
  city: line(L.nameChars),
  state: line(L.nameChars),
  // Blank counts as absent (the mapping takes the other party's); anything else must read as a country.
  country: boundedLine(L.nameChars)
    .refine((c) => c.trim() === '' || isCountry(c), COUNTRY_MESSAGE)
    .nullish(),
  address: line(L.addressChars),
  neighborhood: line(L.nameChars),
  number: line(L.shortChars),
  reference: line(L.addressChars),
  addressComplement: line(L.addressChars),
  location: Location.nullish(),
  deliveryWindow: DeliveryWindow.nullish(),
  // Required by the carriers guide's schema, absent from both documents' examples: accepted when missing.
  zipCode: line(L.shortChars),
};

export const Sender = z.looseObject({
  ...AddressFields,
  name: line(L.nameChars),
  pickupDate: date.nullish(),
});

export const Receiver = z.looseObject({
  ...AddressFields,
  name: line(L.nameChars),
  identification: line(L.nameChars),
  deliveryDate: date.nullish(),
  contactName: line(L.nameChars),
});

export const PackageItem = z.looseObject({
  id: requiredLine(L.idChars),
  name: requiredLine(L.nameChars),
  ean: line(L.shortChars),
  refId: line(L.idChars),
  image: line(L.urlChars),
  type: line(L.nameChars),
  price: money.nullish(),
  weight: line(L.shortChars),
  quantity: z.number().int().positive().max(L.quantity),
});

export const Package = z.looseObject({
  id: requiredLine(L.idChars),
  orderId: line(L.idChars),
  envelope: line(L.nameChars),
  description: text(L.commentChars),
  categories: z.array(boundedLine(L.nameChars)).max(L.categories).nullish(),
  dimensions: z
    .looseObject({ width: line(L.shortChars), height: line(L.shortChars), length: line(L.shortChars) })
    .nullish(),
  weight: line(L.shortChars),
  totalValue: money.nullish(),
  items: z.array(PackageItem).max(L.itemsPerPackage, `at most ${L.itemsPerPackage} items in a package`).nullish(),
});
export type Package = z.infer<typeof Package>;

/**
 * "Create service" as VTEX's carriers guide and its OpenAPI describe it (docs/partners.md), whichever VTEX sends: every field
 * the OpenAPI leaves optional is optional, every string and array is bounded (VTEX_LIMITS).
 * Unknown fields are kept. `type` absent means DELIVERY.
 */
export const CreateServiceRequest = z.looseObject({
  orderId: VtexId,
  carrierId: VtexId,
  seller: line(L.nameChars),
  sender: Sender,
  receiver: Receiver,
  packages: z
    .array(Package)
    .min(1, 'at least one package is needed to deliver')
    .max(L.packages, `at most ${L.packages} packages`)
    .refine((packages) => packages.reduce((n, p) => n + (p.items?.length ?? 0), 0) <= L.items, {
      message: `at most ${L.items} items across all packages`,
    }),
  type: ServiceType.nullish(),
  carrierServiceType: line(L.nameChars),
  comments: text(L.commentChars),
  paymentMethod: line(L.nameChars),
  orderValue: money.nullish(),
  settings: Settings,
  timezone: z
    .looseObject({
      // VTEX's OpenAPI: int32, its example 300 (minutes, as America/Bogota's UTC-5); the guide: Float
      // (hours, 5.5 for India). Either is taken, a number within a day in minutes: it is shown to the
      // driver and operators as sent, and no time is computed from it (docs/partners.md "VTEX").
      offset: z.number().min(-1440).max(1440).nullish(),
      value: line(L.nameChars),
      label: line(L.nameChars),
    })
    .nullish(),
});
export type CreateServiceRequest = z.infer<typeof CreateServiceRequest>;

const requiredText = z.string().trim().min(1, 'is required');

export const Label = z.strictObject({
  id: requiredText,
  url: requiredText,
  name: requiredText,
  type: z.enum(['PDF', 'BASE64', 'TEXT', 'ZPL']),
});
export type Label = z.infer<typeof Label>;

/** Our answer to Create service (VTEX's guide's expected response plus `labels`, per VTEX's OpenAPI). */
export const CreateServiceResponse = z.object({
  status: ServiceStatus,
  serviceId: z.string(),
  /** cents, as VTEX takes every price (its OpenAPI) */
  shippingPrice: z.number().int().nonnegative().nullable(),
  metaData: z.record(z.string(), z.unknown()).nullable(),
  shippingEstimatedDate: z.string().nullable(),
  labels: z.array(Label),
});
export type CreateServiceResponse = z.infer<typeof CreateServiceResponse>;

/** How VTEX names a service it sends back: bounded, one line; which service it is, the route decides. */
const ServiceIdAsSent = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(L.serviceIdChars, `must be at most ${L.serviceIdChars} characters`)
  .refine((s) => !hasControlCharacter(s, true) && !/\s/.test(s), 'must be one word without control characters');
/** metaData comes back as we answered it; only its `serviceId` is read. */
const MetaData = z.record(z.string(), z.unknown()).nullish();

/** VTEX's guide's "Cancel service", with the `settings` and `metaData` VTEX's OpenAPI adds. */
export const CancelServiceRequest = z.looseObject({
  serviceId: ServiceIdAsSent,
  carrierId: VtexId,
  reason: text(L.commentChars),
  settings: Settings,
  metaData: MetaData,
});
export type CancelServiceRequest = z.infer<typeof CancelServiceRequest>;

export const PauseServiceRequest = z.looseObject({
  serviceId: ServiceIdAsSent,
  carrierId: VtexId,
  /** Optional in VTEX's OpenAPI; absent means pause (pausePaused). */
  pause: z.boolean().nullish(),
  reason: text(L.commentChars),
  settings: Settings,
  metaData: MetaData,
});
export type PauseServiceRequest = z.infer<typeof PauseServiceRequest>;

/**
 * What a Pause service call asks: `pause: false` resumes, anything else pauses. A call to the
 * endpoint named "pause" without the flag is taken at its name; it is also the safe side, since a
 * paused delivery waits for a resume, while a wrong resume sends a driver out (docs/partners.md "VTEX").
 */
export function pauseRequested(body: Pick<PauseServiceRequest, 'pause'>): boolean {
  return body.pause !== false;
}

// ---- The tracking hook API (we call it; the sandbox validates it strictly, as the real API would) ----

export const AgentVehicle = z.enum(['SCOOTER', 'VAN', 'CAR', 'TRUCK', 'BIKE', 'WALK', 'DRONE']);
export type AgentVehicle = z.infer<typeof AgentVehicle>;

export const Agent = z.strictObject({
  id: requiredText,
  name: requiredText,
  identification: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  vehicle: AgentVehicle.optional(),
});
export type Agent = z.infer<typeof Agent>;

/** PATCH /tracking/hook/{carrierId}/{serviceId} */
export const TrackingUpdate = z.strictObject({
  status: PatchableStatus.optional(),
  agent: Agent.optional(),
  trackingUrl: z.string().optional(),
  /** whole kilometres (mapping/units.ts vtexDistanceTraveled) */
  totalDistanceTraveled: z.number().int().nonnegative().optional(),
  rating: z.number().min(1).max(5).optional(),
  /** cents */
  shippingPrice: z.number().int().nonnegative().optional(),
  shippingEstimatedDate: z.string().optional(),
});
export type TrackingUpdate = z.infer<typeof TrackingUpdate>;

export const Note = z.strictObject({
  type: z.enum(['ERROR', 'COMMENT']),
  note: requiredText,
  author: z.string().optional(),
});
export type Note = z.infer<typeof Note>;
export const NotesRequest = z.array(Note).min(1);

export const Evidence = z.strictObject({
  type: z.enum(['IMAGE', 'TEXT']),
  content: requiredText,
  author: z.string().optional(),
});
export type Evidence = z.infer<typeof Evidence>;
export const EvidencesRequest = z.array(Evidence).min(1);

export const LabelRequest = Label.refine((label) => !inlineLabelTooLarge(label), {
  message: `a BASE64 or TEXT label may be at most ${MAX_INLINE_LABEL_BYTES} bytes`,
  path: ['url'],
});

export const CancelType = z.enum([
  'ERROR_CREATE_SERVICE',
  'END_CLIENT_CANCELED',
  'NO_THERE_DELIVERY_MAN_ASSIGN',
  'OTHER',
]);
export type CancelType = z.infer<typeof CancelType>;
export const CancelHookRequest = z.strictObject({ comment: z.string().optional(), type: CancelType });
export type CancelHookRequest = z.infer<typeof CancelHookRequest>;

export const OnHoldType = z.enum(['ERROR_CREATE_SERVICE', 'END_CLIENT_PAUSE', 'NO_THERE_DELIVERY_MAN_ASSIGN', 'OTHER']);
export type OnHoldType = z.infer<typeof OnHoldType>;
export const OnHoldHookRequest = z.strictObject({ comment: z.string().optional(), type: OnHoldType });
export type OnHoldHookRequest = z.infer<typeof OnHoldHookRequest>;

export const TokenRequest = z.strictObject({ apiKey: requiredText });

/** POST /token answers `{message, data: jwt}` (VTEX's guide) or a bare JSON string (VTEX's OpenAPI). */
export const TokenResponse = z.union([
  z.string().min(1),
  z.object({ message: z.string().optional(), data: z.string().min(1) }),
]);
export function tokenFromResponse(body: unknown): string {
  const parsed = TokenResponse.parse(body);
  return typeof parsed === 'string' ? parsed : parsed.data;
}

/** How VTEX says an expired token (VTEX's OpenAPI): a 403 with this message. */
export const TOKEN_EXPIRED_MESSAGE = 'Authentication token expired';

// ---- Get service (VTEX's guide ServiceResponseDto), as the sandbox keeps it ----

export const TimelineEntry = z.object({
  id: z.string(),
  type: z.enum(['STATUS', 'EVIDENCE', 'NOTE', 'LABEL', 'OTHER']),
  date: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  description: z.string().nullable(),
  author: z.string().nullable(),
  metaData: z.unknown().nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const ServiceRecord = z.object({
  id: z.string(),
  orderId: z.string(),
  carrierId: z.string(),
  serviceId: z.string(),
  carrierLogo: z.string().nullable(),
  carrierName: z.string(),
  seller: z.string(),
  status: ServiceStatus,
  labels: z.array(Label),
  trackingUrl: z.string().nullable(),
  comments: z.string().nullable(),
  evidences: z.array(
    z.object({
      type: z.enum(['TEXT', 'IMAGE']),
      content: z.string().nullable(),
      date: z.string(),
      author: z.string().nullable(),
    }),
  ),
  packages: z.array(z.unknown()),
  timeline: z.array(TimelineEntry),
  type: ServiceType,
  notes: z.array(
    z.object({
      type: z.enum(['COMMENT', 'ERROR']),
      date: z.string(),
      content: z.string(),
      author: z.string().nullable(),
    }),
  ),
  paymentMethod: z.string().nullable(),
  carrierServiceType: z.string().nullable(),
  shippingPrice: z.number().nullable(),
  shippingEstimatedDate: z.string().nullable(),
  shippingFinishedDate: z.string().nullable(),
  metaData: z.unknown().nullable(),
  timezone: z
    .object({ offset: z.number().nullable(), value: z.string().nullable(), label: z.string().nullable() })
    .nullable(),
  tags: z
    .array(z.string())
    .nullish()
    .transform((t) => t ?? []),
  agent: Agent.nullable().optional(),
  totalDistanceTraveled: z.number().nullable().optional(),
  rating: z.number().nullable().optional(),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

/**
 * Get service as the carrier's read-backs use it (activities/vtex.ts): only the fields they read.
 * `status` is required: the status guard and drift repair cannot do without it. A list VTEX leaves
 * out is absent, not empty: a read-back then posts (it cannot prove VTEX holds the post), and
 * drift repair does not compare it. A list in another shape does not parse: a failed read.
 */
export const ServiceReadBack = z.looseObject({
  status: ServiceStatus,
  labels: z.array(z.looseObject({ id: z.string() })).optional(),
  evidences: z.array(z.looseObject({ type: z.string(), content: z.string().nullable().optional() })).optional(),
  notes: z.array(z.looseObject({ type: z.string(), content: z.string() })).optional(),
  /** searched for our markers only (an on-hold's comment): any entries */
  timeline: z.array(z.unknown()).optional(),
  agent: z.looseObject({ id: z.string().optional() }).nullable().optional(),
});
export type ServiceReadBack = z.infer<typeof ServiceReadBack>;

/** VTEX's Get service answer: `{message, data}` (VTEX's guide). */
export const GetServiceAnswer = z.looseObject({ data: ServiceReadBack });
