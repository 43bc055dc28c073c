/**
 * VTEX Pick and Pack Carriers Integration Protocol (seed 003), written once for the service and the
 * sandbox. Where VTEX's real traffic differs from the seed's schema (CONTRACT.md section 5, the seed
 * README), the schema follows the traffic and says so.
 */
import { z } from 'zod';
import { isoDateTime, optionalNumber, optionalString } from './common';
import { inlineLabelTooLarge, MAX_INLINE_LABEL_BYTES } from './vtexLimits';

export { inlineLabelTooLarge, MAX_INLINE_LABEL_BYTES };

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

/** The statuses a carrier may set with PATCH /tracking/hook (seed 003 "Update service"). */
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

export const ServiceType = z.enum(['PICKUP', 'DELIVERY', 'PICKUP_DELIVERY', 'RETURN']);
export const CarrierServiceType = z.enum(['NATIONAL', 'INTERNATIONAL', 'EXPRESS', 'SPECIALIZED', 'OTHERS']);
export const PaymentMethod = z.enum(['ONLINE', 'CASH_ON_DELIVERY', 'PIN_PAD']);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

const Location = z.looseObject({ latitude: optionalNumber, longitude: optionalNumber });
const DeliveryWindow = z.looseObject({
  name: optionalString,
  initialDate: isoDateTime.nullish(),
  finalDate: isoDateTime.nullish(),
});
const Setting = z.looseObject({ label: optionalString, value: optionalString, key: optionalString });
export type Setting = z.infer<typeof Setting>;

const requiredText = z.string().trim().min(1, 'is required');

const AddressFields = {
  phone: optionalString,
  email: optionalString,
  city: requiredText,
  state: requiredText,
  country: requiredText,
  address: requiredText,
  neighborhood: optionalString,
  number: optionalString,
  reference: optionalString,
  addressComplement: optionalString,
  location: Location.nullish(),
  deliveryWindow: DeliveryWindow.nullish(),
  // Required by the schema, absent from VTEX's own example (seed README): accepted when missing.
  zipCode: optionalString,
};

export const Sender = z.looseObject({
  ...AddressFields,
  name: optionalString,
  pickupDate: isoDateTime,
});

export const Receiver = z.looseObject({
  ...AddressFields,
  name: requiredText,
  identification: optionalString,
  deliveryDate: isoDateTime,
  contactName: optionalString,
});

export const PackageItem = z.looseObject({
  id: requiredText,
  name: requiredText,
  ean: z.string(),
  refId: optionalString,
  image: optionalString,
  type: optionalString,
  price: z.number().nonnegative(),
  weight: optionalString,
  quantity: z.number().int().positive(),
});

export const Package = z.looseObject({
  id: requiredText,
  orderId: requiredText,
  envelope: optionalString,
  description: optionalString,
  categories: z.array(z.string()).nullish(),
  dimensions: z.looseObject({ width: optionalString, height: optionalString, length: optionalString }).nullish(),
  weight: optionalString,
  totalValue: optionalNumber,
  items: z.array(PackageItem).nullish(),
});
export type Package = z.infer<typeof Package>;

/** Seed 003 "Create service": what VTEX sends us. Unknown fields (VTEX's `orderValue`) are kept. */
export const CreateServiceRequest = z.looseObject({
  orderId: requiredText,
  carrierId: requiredText,
  seller: requiredText,
  sender: Sender,
  receiver: Receiver,
  packages: z.array(Package).min(1, 'at least one package is needed to deliver'),
  type: ServiceType,
  carrierServiceType: CarrierServiceType,
  comments: optionalString,
  paymentMethod: PaymentMethod,
  settings: z.array(Setting).nullish(),
  timezone: z.looseObject({ offset: z.number(), value: requiredText }),
});
export type CreateServiceRequest = z.infer<typeof CreateServiceRequest>;

export const Label = z.strictObject({
  id: requiredText,
  url: requiredText,
  name: requiredText,
  type: z.enum(['PDF', 'BASE64', 'TEXT', 'ZPL']),
});
export type Label = z.infer<typeof Label>;

/** Our answer to Create service (seed 003's expected response plus `labels`, per VTEX's OpenAPI). */
export const CreateServiceResponse = z.object({
  status: ServiceStatus,
  serviceId: z.string(),
  shippingPrice: z.number().nullable(),
  metaData: z.record(z.string(), z.unknown()).nullable(),
  shippingEstimatedDate: z.string().nullable(),
  labels: z.array(Label),
});
export type CreateServiceResponse = z.infer<typeof CreateServiceResponse>;

/** Seed 003 "Cancel service", with the `settings` and `metaData` VTEX's OpenAPI adds. */
export const CancelServiceRequest = z.looseObject({
  serviceId: requiredText,
  carrierId: requiredText,
  reason: optionalString,
  settings: z.array(Setting).nullish(),
  metaData: z.record(z.string(), z.unknown()).nullish(),
});
export type CancelServiceRequest = z.infer<typeof CancelServiceRequest>;

export const PauseServiceRequest = z.looseObject({
  serviceId: requiredText,
  carrierId: requiredText,
  pause: z.boolean(),
  reason: optionalString,
  settings: z.array(Setting).nullish(),
  metaData: z.record(z.string(), z.unknown()).nullish(),
});
export type PauseServiceRequest = z.infer<typeof PauseServiceRequest>;

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
  totalDistanceTraveled: z.number().int().nonnegative().optional(),
  rating: z.number().min(1).max(5).optional(),
  shippingPrice: z.number().optional(),
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

/** POST /token answers `{message, data: jwt}` (seed 003) or a bare JSON string (VTEX's OpenAPI). */
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

// ---- Get service (seed 003 ServiceResponseDto), as the sandbox keeps it ----

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
