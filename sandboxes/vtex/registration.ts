/**
 * The three ways a service becomes known to the VTEX sandbox: VTEX created it and the carrier
 * answered (confirmed `confirmationDelayMs` later), a tracking call named an unknown one (registered
 * on the spot, when the run allows), or a test registered it by hand.
 */
import { z } from 'zod';
import { fieldErrors, type FieldError } from '../../contracts/common';
import { CreateServiceRequest, CreateServiceResponse, Label, ServiceStatus } from '../../contracts/vtex';
import { newServiceRecord } from './serviceRecords';
import type { ServiceStore, StoredService } from './serviceStore';

/** What the sandbox needs from the carrier's answer; the rest is checked against the contract. */
const AnswerForRecord = z.looseObject({
  serviceId: z.union([z.string().trim().min(1), z.number()]).transform(String),
  status: ServiceStatus.catch('PENDING'),
  shippingPrice: z.number().nullable().catch(null),
  shippingEstimatedDate: z.string().nullable().catch(null),
  metaData: z.record(z.string(), z.unknown()).nullable().catch(null),
  labels: z.array(Label).catch([]),
});

export interface CreateRegistration {
  service?: StoredService;
  /** where the answer breaks docs/intake-api.md (empty when it does not) */
  contractErrors: FieldError[];
}

/**
 * Registers what VTEX sent and the carrier answered. Only a 200 with a serviceId creates a service,
 * as at VTEX; the record takes what it can from a body VTEX would not even send (tests send those).
 */
export function registerFromCreate(
  store: ServiceStore,
  request: unknown,
  answer: { status: number; body: unknown; answeredAt: string },
  settings: { carrierName: string; confirmationDelayMs: number },
): CreateRegistration {
  const contract = CreateServiceResponse.safeParse(answer.body);
  const contractErrors = contract.success ? [] : fieldErrors(contract.error);
  if (answer.status !== 200) return { contractErrors };
  const parsedAnswer = AnswerForRecord.safeParse(answer.body);
  const body = CreateServiceRequest.safeParse(request);
  if (!parsedAnswer.success || !body.success) return { contractErrors };
  const a = parsedAnswer.data;
  const b = body.data;
  const record = newServiceRecord({
    orderId: b.orderId,
    carrierId: b.carrierId,
    ourServiceId: a.serviceId,
    carrierName: settings.carrierName,
    seller: b.seller ?? '',
    type: b.type ?? 'DELIVERY',
    comments: b.comments ?? null,
    paymentMethod: b.paymentMethod ?? null,
    carrierServiceType: b.carrierServiceType ?? null,
    packages: b.packages,
    timezone: b.timezone
      ? { offset: b.timezone.offset ?? null, value: b.timezone.value ?? null, label: b.timezone.label ?? null }
      : null,
    status: a.status,
    shippingPrice: a.shippingPrice,
    shippingEstimatedDate: a.shippingEstimatedDate,
    metaData: a.metaData,
    labels: a.labels,
    createdAt: answer.answeredAt,
  });
  const service = store.add({
    record,
    carrierId: b.carrierId,
    ourServiceId: a.serviceId,
    registeredBy: 'create-service',
    createRequest: request,
    createAnswer: answer.body,
    answeredAt: Date.parse(answer.answeredAt),
    confirmedAt: Date.parse(answer.answeredAt) + settings.confirmationDelayMs,
    statusBeforePause: null,
  });
  return { service, contractErrors };
}

export const RegisterServiceInput = z.strictObject({
  carrierId: z.string().trim().min(1),
  serviceId: z.string().trim().min(1),
  orderId: z.string().optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
});
export type RegisterServiceInput = z.infer<typeof RegisterServiceInput>;

/** A service registered without a Create service: confirmed at once, built from what is known. */
export function registerKnown(
  store: ServiceStore,
  input: RegisterServiceInput,
  registeredBy: 'tracking-call' | 'admin',
  carrierName: string,
): StoredService {
  const createdAt = input.createdAt ?? new Date().toISOString();
  return store.add({
    record: newServiceRecord({
      orderId: input.orderId ?? '',
      carrierId: input.carrierId,
      ourServiceId: input.serviceId,
      carrierName,
      createdAt,
    }),
    carrierId: input.carrierId,
    ourServiceId: input.serviceId,
    registeredBy,
    createRequest: null,
    createAnswer: null,
    answeredAt: Date.now(),
    confirmedAt: Date.now(),
    statusBeforePause: null,
  });
}
