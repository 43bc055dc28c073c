/**
 * VTEX Create service (seed 003) to a Delivery Engine job (seed 001). Pure: no I/O, no clock
 * except the `now` it is given. Each rule where the seeds leave a choice is written in the README
 * ("Mapping VTEX to the Delivery Engine").
 */
import type { EngineAddress, EngineItem } from '../contracts/deliveryEngine';
import type { CreateServiceRequest, PaymentMethod, Setting } from '../contracts/vtex';
import type { DeliveryInput, JobSpec } from '../contracts/delivery';
import { MappingError } from './errors';
import { vtexServiceId } from './ids';
import { lengthToCm, round, weightToKg } from './units';

/** Currency by country, for VTEX bodies that carry none (a `currency` setting wins). */
const CURRENCY_BY_COUNTRY: Record<string, string> = {
  brazil: 'BRL',
  brasil: 'BRL',
  bra: 'BRL',
  br: 'BRL',
  colombia: 'COP',
  col: 'COP',
  co: 'COP',
  mexico: 'MXN',
  méxico: 'MXN',
  mex: 'MXN',
  mx: 'MXN',
  chile: 'CLP',
  chl: 'CLP',
  cl: 'CLP',
  peru: 'PEN',
  perú: 'PEN',
  per: 'PEN',
  pe: 'PEN',
  argentina: 'ARS',
  arg: 'ARS',
  ar: 'ARS',
  ecuador: 'USD',
  ecu: 'USD',
  ec: 'USD',
  uruguay: 'UYU',
  ury: 'UYU',
  uy: 'UYU',
  'united states': 'USD',
  usa: 'USD',
  us: 'USD',
};
export const FALLBACK_CURRENCY = 'USD';

/** How the driver settles the payment at the door. */
const PAYMENT: Record<PaymentMethod, { method: string; status: string; collect: boolean }> = {
  ONLINE: { method: 'ONLINE', status: 'PAID', collect: false },
  CASH_ON_DELIVERY: { method: 'CASH', status: 'PENDING', collect: true },
  PIN_PAD: { method: 'CARD_ON_DELIVERY', status: 'PENDING', collect: true },
};

/** Settings whose values look like credentials are never copied anywhere. */
const SECRET_SETTING = /secret|secreta|password|senha|token|key|clave|apikey/i;

export interface VtexMappingOptions {
  now: Date;
  /** However late the window, creation is tried for at least this long. */
  creationGraceMs: number;
}

export function mapVtexCreateService(body: CreateServiceRequest, options: VtexMappingOptions): DeliveryInput {
  const serviceId = vtexServiceId(body.carrierId, body.orderId);
  const isReturn = body.type === 'RETURN';
  const senderAddress = toEngineAddress(body.sender, body.sender.name ?? body.seller);
  const receiverAddress = toEngineAddress(body.receiver, body.receiver.name);

  const items = body.packages.flatMap((pkg, p) => packageItems(pkg, p));
  if (items.length === 0) throw new MappingError('packages', 'at least one item is needed to deliver');

  const window = deliveryWindow(body, options.now);
  const windowEnd = window?.ends_at ?? body.receiver.deliveryDate;
  const graceEnd = options.now.getTime() + options.creationGraceMs;
  const giveUpAt = new Date(Math.max(Date.parse(windowEnd), graceEnd)).toISOString();

  const orderValue = orderValueOf(body);
  const payment = PAYMENT[body.paymentMethod];
  const recipientPhone = body.receiver.phone ?? body.sender.phone ?? undefined;
  if (!recipientPhone)
    throw new MappingError(
      'receiver.phone',
      'is required to deliver: the driver needs a phone to call (sender.phone is used when only it is given)',
    );

  const spec: JobSpec = {
    clientReference: body.orderId,
    availability: {
      origin: isReturn ? receiverAddress : senderAddress,
      destination: isReturn ? senderAddress : receiverAddress,
      items,
      ...(window ? { window } : {}),
    },
    job: {
      recipient: {
        name: body.receiver.name,
        phone_number: recipientPhone,
        ...(body.receiver.email ? { email: body.receiver.email } : {}),
        wants_to_receive_notifications: Boolean(body.receiver.email || body.receiver.phone),
        ...(body.receiver.identification
          ? { identification: { number: body.receiver.identification, type: 'DOCUMENT' } }
          : {}),
      },
      payment_info: {
        currency_code: currencyOf(body),
        prices: { order_value: orderValue, shipping_fee: 0, taxes: 0, discounts: 0, subtotal: orderValue },
        payment: {
          id: `${body.orderId}-payment`,
          payment_status: payment.status,
          method: payment.method,
          method_details: `VTEX paymentMethod ${body.paymentMethod}`,
          reference: body.orderId,
          value: payment.collect ? orderValue : 0,
        },
      },
      add_delivery_code: settingValue(body.settings, 'add_delivery_code') === 'true',
      job_comment: jobComment(body, recipientPhone !== body.receiver.phone),
      additional_card_info: cardInfo(body),
    },
  };

  return {
    serviceId,
    platform: 'vtex',
    orderId: body.orderId,
    carrierId: body.carrierId,
    spec,
    report: { platform: 'vtex', carrierId: body.carrierId, serviceId },
    giveUpAt,
    context: {
      seller: body.seller,
      type: body.type,
      carrierServiceType: body.carrierServiceType,
      paymentMethod: body.paymentMethod,
      timezone: body.timezone,
      settings: publicSettings(body.settings),
    },
  };
}

function toEngineAddress(
  a: CreateServiceRequest['sender'] | CreateServiceRequest['receiver'],
  name: string | null | undefined,
): EngineAddress {
  const street = a.number && !a.address.includes(a.number) ? `${a.address} ${a.number}` : a.address;
  const lat = a.location?.latitude;
  const lng = a.location?.longitude;
  return {
    ...(name ? { name } : {}),
    address: street,
    ...(a.addressComplement ? { address_two: a.addressComplement } : {}),
    ...(a.reference ? { description: `Reference: ${a.reference}` } : {}),
    ...(a.neighborhood ? { neighborhood: a.neighborhood } : {}),
    city: a.city,
    state: a.state,
    country: a.country,
    ...(a.zipCode ? { zip_code: a.zipCode } : {}),
    // Coordinates only as a pair; a half location is no location.
    ...(typeof lat === 'number' && typeof lng === 'number' ? { latitude: lat, longitude: lng } : {}),
  };
}

function packageItems(pkg: CreateServiceRequest['packages'][number], p: number): EngineItem[] {
  const path = `packages.${p}`;
  const packageWeight = weightToKg(pkg.weight, `${path}.weight`);
  const dims = pkg.dimensions
    ? {
        width: lengthToCm(pkg.dimensions.width, `${path}.dimensions.width`),
        height: lengthToCm(pkg.dimensions.height, `${path}.dimensions.height`),
        length: lengthToCm(pkg.dimensions.length, `${path}.dimensions.length`),
      }
    : undefined;
  const dimensions_cm = dims && Object.values(dims).some((v) => v !== undefined) ? stripUndefined(dims) : undefined;
  const items = pkg.items ?? [];
  if (items.length === 0) {
    // A package without item detail still travels: it becomes one item of its own.
    return [
      {
        id: pkg.id,
        name: pkg.description || pkg.envelope || `Package ${pkg.id}`,
        quantity: 1,
        package_id: pkg.id,
        ...(packageWeight !== undefined ? { weight_kg: packageWeight } : {}),
        ...(dimensions_cm ? { dimensions_cm } : {}),
        ...(typeof pkg.totalValue === 'number' ? { price: pkg.totalValue } : {}),
      },
    ];
  }
  return items.map((item, i) => {
    const weight = weightToKg(item.weight, `${path}.items.${i}.weight`);
    return {
      id: item.id,
      name: item.name,
      quantity: item.quantity,
      price: item.price,
      package_id: pkg.id,
      ...(item.ean ? { barcode: item.ean } : {}),
      ...(weight !== undefined ? { weight_kg: weight } : {}),
    };
  });
}

function stripUndefined<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}

/** The receiver's window, when it is still ahead of us; a past window asks the engine for its next slot. */
function deliveryWindow(body: CreateServiceRequest, now: Date): { starts_at: string; ends_at: string } | undefined {
  const w = body.receiver.deliveryWindow;
  if (!w?.initialDate || !w.finalDate) return undefined;
  if (Date.parse(w.finalDate) <= now.getTime()) return undefined;
  if (Date.parse(w.finalDate) <= Date.parse(w.initialDate)) {
    throw new MappingError('receiver.deliveryWindow.finalDate', 'must be after initialDate');
  }
  return { starts_at: new Date(w.initialDate).toISOString(), ends_at: new Date(w.finalDate).toISOString() };
}

/** `orderValue` (VTEX's example carries it), else the packages' totals, else the items'. */
function orderValueOf(body: CreateServiceRequest): number {
  const declared = (body as Record<string, unknown>).orderValue;
  if (typeof declared === 'number' && declared >= 0) return round(declared, 2);
  const totals = body.packages.map((p) => p.totalValue);
  if (totals.every((t): t is number => typeof t === 'number'))
    return round(
      totals.reduce((a, b) => a + b, 0),
      2,
    );
  const items = body.packages.flatMap((p) => p.items ?? []);
  return round(
    items.reduce((sum, i) => sum + i.price * i.quantity, 0),
    2,
  );
}

function currencyOf(body: CreateServiceRequest): string {
  const configured = settingValue(body.settings, 'currency');
  if (configured && /^[A-Za-z]{3}$/.test(configured)) return configured.toUpperCase();
  return CURRENCY_BY_COUNTRY[body.sender.country.trim().toLowerCase()] ?? FALLBACK_CURRENCY;
}

function settingValue(settings: Setting[] | null | undefined, key: string): string | undefined {
  return settings?.find((s) => s.key === key)?.value ?? undefined;
}

function publicSettings(settings: Setting[] | null | undefined): Array<{ key: string; label?: string; value: string }> {
  return (settings ?? []).map((s) => ({
    key: s.key ?? '',
    ...(s.label ? { label: s.label } : {}),
    value: SECRET_SETTING.test(`${s.key ?? ''} ${s.label ?? ''}`) ? '[redacted]' : (s.value ?? ''),
  }));
}

function jobComment(body: CreateServiceRequest, phoneFromSender: boolean): string | undefined {
  const parts = [
    body.comments?.trim(),
    body.receiver.contactName ? `Contact: ${body.receiver.contactName}` : undefined,
    phoneFromSender ? 'Recipient phone missing: the sender phone is given.' : undefined,
  ].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' | ') : undefined;
}

/** What the driver's card shows beyond the job itself: service type, packages, timezone. */
function cardInfo(body: CreateServiceRequest): Record<string, string> {
  const info: Record<string, string> = {
    vtex_service_type: `${body.type} / ${body.carrierServiceType}`,
    payment: body.paymentMethod,
    timezone: `${body.timezone.value} (offset ${body.timezone.offset})`,
  };
  body.packages.forEach((pkg) => {
    const bits = [
      pkg.envelope,
      pkg.dimensions
        ? `${pkg.dimensions.width ?? '?'}x${pkg.dimensions.height ?? '?'}x${pkg.dimensions.length ?? '?'} cm`
        : undefined,
      pkg.weight ? `${pkg.weight}${/[a-z]/i.test(pkg.weight) ? '' : ' kg'}` : undefined,
      pkg.description,
    ].filter(Boolean);
    if (bits.length) info[`package ${pkg.id}`] = bits.join(', ');
  });
  return info;
}
