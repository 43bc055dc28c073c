/**
 * VTEX Create service (VTEX's guide) to a Delivery Engine job (the engine's Create a Job). Pure: no I/O, no clock
 * except the `now` it is given. Each rule where the partners' documents leave a choice is written in
 * docs/specification.md ("Mapping VTEX to the Delivery Engine").
 */
import type { EngineAddress, EngineItem } from '../contracts/deliveryEngine';
import { VTEX_LIMITS, type CreateServiceRequest, type PaymentMethod, type Setting } from '../contracts/vtex';
import { utf8ByteLength } from '../contracts/vtexLimits';
import type { DeliveryInput, JobSpec } from '../contracts/delivery';
import { MappingError } from './errors';
import { vtexServiceId } from './ids';
import { distanceKm } from './rateCard';
import { lengthToCm, round, weightToKg } from './units';

/** Currency by country, for VTEX bodies that carry none (a `currency` setting wins). A Map: own keys only. */
const CURRENCY_BY_COUNTRY: ReadonlyMap<string, string> = new Map(
  Object.entries({
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
  }),
);
export const FALLBACK_CURRENCY = 'USD';

interface Settlement {
  method: string;
  status: string;
  collect: boolean;
}
/** How the driver settles the payment at the door, for the methods we know. */
const PAYMENT: ReadonlyMap<PaymentMethod, Settlement> = new Map<PaymentMethod, Settlement>([
  ['ONLINE', { method: 'ONLINE', status: 'PAID', collect: false }],
  ['CASH_ON_DELIVERY', { method: 'CASH', status: 'PENDING', collect: true }],
  ['PIN_PAD', { method: 'CARD_ON_DELIVERY', status: 'PENDING', collect: true }],
]);
/** A method we do not know is never taken as paid: the order's value is pending, an operator checks. */
const UNKNOWN_PAYMENT: Settlement = { method: 'UNKNOWN', status: 'PENDING', collect: true };
const DAY_MS = 86_400_000;
/** Instaleap's `unit` of an item: we always count pieces. */
export const ITEM_UNIT = 'unit';

/** Settings whose values look like credentials are never copied anywhere. */
const SECRET_SETTING = /secret|secreta|password|senha|token|key|clave|apikey/i;

export interface VtexMappingOptions {
  now: Date;
  /** However late the window, creation is tried for at least this long. */
  creationGraceMs: number;
}

export function mapVtexCreateService(body: CreateServiceRequest, options: VtexMappingOptions): DeliveryInput {
  const serviceId = vtexServiceId(body.carrierId, body.orderId);
  const type = body.type ?? 'DELIVERY';
  checkDatesAhead(body, options.now);
  const senderAddress = toEngineAddress(body.sender, body.receiver, body.sender.name ?? body.seller, 'sender');
  const receiverName = body.receiver.name ?? body.receiver.contactName;
  const receiverAddress = toEngineAddress(body.receiver, body.sender, receiverName, 'receiver');
  if (!receiverName) throw new MappingError('receiver.name', 'is required to deliver (or receiver.contactName)');

  const items = body.packages.flatMap((pkg, p) => packageItems(pkg, p));
  if (items.length === 0) throw new MappingError('packages', 'at least one item is needed to deliver');

  const window = deliveryWindow(body, options.now);
  const giveUpAt = giveUpAtOf(window?.ends_at ?? body.receiver.deliveryDate ?? undefined, options);

  const orderValue = orderValueOf(body);
  const payment = paymentOf(body.paymentMethod);
  const recipientPhone = body.receiver.phone ?? body.sender.phone ?? undefined;
  if (!recipientPhone)
    throw new MappingError(
      'receiver.phone',
      'is required to deliver: the driver needs a phone to call (sender.phone is used when only it is given)',
    );
  if (type === 'PICKUP') checkPickupIsATrip(senderAddress, receiverAddress);
  // RETURN goes back to the sender; every other type, TRANSFER (store to store) and PICKUP (to the
  // pickup point) included, goes from the sender to the receiver.
  const isReturn = type === 'RETURN';

  const currency = currencyOf(body);
  const spec: JobSpec = {
    // Unique per delivery: the same orderId under another carrier is another job.
    clientReference: serviceId,
    availability: {
      origin: isReturn ? receiverAddress : senderAddress,
      destination: isReturn ? senderAddress : receiverAddress,
      job_items: items,
      ...(window ? { window } : {}),
      ...(body.seller ? { seller: body.seller } : {}),
      currency_code: currency,
      packages: body.packages.map((pkg) => pkg.id),
    },
    job: {
      recipient: {
        name: receiverName,
        phone_number: recipientPhone,
        ...(body.receiver.email ? { email: body.receiver.email } : {}),
        wants_to_receive_notifications: Boolean(body.receiver.email || body.receiver.phone),
        ...(body.receiver.identification
          ? { identification: { number: body.receiver.identification, type: 'DOCUMENT' } }
          : {}),
      },
      payment_info: {
        currency_code: currency,
        prices: { order_value: orderValue, shipping_fee: 0, taxes: 0, discounts: 0, subtotal: orderValue },
        payment: {
          id: `${body.orderId}-payment`,
          payment_status: payment.settlement.status,
          method: payment.settlement.method,
          method_details: `VTEX paymentMethod ${payment.raw}`,
          reference: body.orderId,
          value: payment.settlement.collect ? orderValue : 0,
        },
      },
      add_delivery_code: settingValue(body.settings, 'add_delivery_code') === 'true',
      job_comment: jobComment(body, type, recipientPhone !== body.receiver.phone),
      additional_card_info: cardInfo(body, type, payment),
    },
  };

  return fitsTemporal({
    serviceId,
    platform: 'vtex',
    orderId: body.orderId,
    carrierId: body.carrierId,
    spec,
    report: { platform: 'vtex', carrierId: body.carrierId, serviceId },
    giveUpAt,
    ...(payment.known ? {} : { attention: `Unknown VTEX paymentMethod ${payment.raw}: check how the order is paid` }),
    context: {
      seller: body.seller ?? null,
      type,
      carrierServiceType: body.carrierServiceType ?? null,
      paymentMethod: body.paymentMethod ?? null,
      // Only the fields we know: unknown extra keys are kept by the schema, not carried into history.
      timezone: body.timezone ? { offset: body.timezone.offset ?? null, value: body.timezone.value ?? null } : null,
      settings: publicSettings(body.settings),
    },
  });
}

/**
 * The same request as the order's `service`-th service (mapping/ids.ts `vtexServiceId`): every
 * place the input names its serviceId (the workflow id, the job's reference, VTEX's target).
 */
export function asOrderService(input: DeliveryInput, service: number): DeliveryInput {
  if (input.report.platform !== 'vtex') throw new Error('only a VTEX delivery has later services of its order');
  const serviceId = vtexServiceId(input.report.carrierId, input.orderId, service);
  return {
    ...input,
    serviceId,
    spec: { ...input.spec, clientReference: serviceId },
    report: { ...input.report, serviceId },
  };
}

/**
 * The workflow input whole must stay well under Temporal's payload limits (2 MB warned, 4 MB
 * refused by default): past VTEX_LIMITS.deliveryInputBytes it is a 400, not a start that fails.
 */
function fitsTemporal(input: DeliveryInput): DeliveryInput {
  const bytes = utf8ByteLength(JSON.stringify(input));
  if (bytes > VTEX_LIMITS.deliveryInputBytes)
    throw new MappingError(
      '(body)',
      `is too large to deliver: ${bytes} bytes once mapped, at most ${VTEX_LIMITS.deliveryInputBytes}`,
    );
  return input;
}

/** The delivery's giving-up time: its window's end, at least the grace, never past VTEX_LIMITS.daysAhead. */
function giveUpAtOf(end: string | undefined, options: VtexMappingOptions): string {
  const nowMs = options.now.getTime();
  const latest = nowMs + VTEX_LIMITS.daysAhead * DAY_MS;
  const wanted = Math.max(end ? Date.parse(end) : nowMs, nowMs + options.creationGraceMs);
  return new Date(Math.min(wanted, latest)).toISOString();
}

/** Dates further ahead than a year are no delivery of ours: refused, naming the field. */
function checkDatesAhead(body: CreateServiceRequest, now: Date): void {
  const latest = now.getTime() + VTEX_LIMITS.daysAhead * DAY_MS;
  const dates: Array<[string, string | null | undefined]> = [
    ['receiver.deliveryWindow.finalDate', body.receiver.deliveryWindow?.finalDate],
    ['receiver.deliveryWindow.initialDate', body.receiver.deliveryWindow?.initialDate],
    ['receiver.deliveryDate', body.receiver.deliveryDate],
    ['sender.pickupDate', body.sender.pickupDate],
  ];
  for (const [path, value] of dates) {
    if (value && Date.parse(value) > latest)
      throw new MappingError(path, `is more than ${VTEX_LIMITS.daysAhead} days ahead`);
  }
}

interface Payment {
  settlement: Settlement;
  known: boolean;
  /** what VTEX sent, quoted, for the driver's card and the operator */
  raw: string;
}

function paymentOf(method: string | null | undefined): Payment {
  const normalised = (method ?? '').trim().toUpperCase() as PaymentMethod;
  const settlement = PAYMENT.get(normalised);
  if (settlement) return { settlement, known: true, raw: normalised };
  return { settlement: UNKNOWN_PAYMENT, known: false, raw: method ? JSON.stringify(method) : '(none given)' };
}

type Party = CreateServiceRequest['sender'] | CreateServiceRequest['receiver'];

/**
 * Where the engine finds a party (docs/specification.md "Where the engine's addresses come from"): the street is
 * `address` (with `number`), else `reference` (VTEX's own example puts the street there), else
 * the coordinates. City, state and country are the party's, else the other party's (a last-mile
 * delivery stays within them). Nothing that places it: a 400 naming the party.
 */
function toEngineAddress(a: Party, other: Party, name: string | null | undefined, path: string): EngineAddress {
  const lat = a.location?.latitude;
  const lng = a.location?.longitude;
  // Coordinates only as a pair; a half location is no location.
  const coords = typeof lat === 'number' && typeof lng === 'number' ? { latitude: lat, longitude: lng } : undefined;
  const withNumber = (street: string) => (a.number && !street.includes(a.number) ? `${street} ${a.number}` : street);
  const address = a.address?.trim() ? a.address : undefined;
  const reference = a.reference?.trim() ? a.reference : undefined;
  const street = address
    ? withNumber(address)
    : reference
      ? withNumber(reference)
      : coords
        ? `${coords.latitude}, ${coords.longitude}`
        : undefined;
  if (!street)
    throw new MappingError(path, 'nothing places it: give address, reference, or location (latitude and longitude)');
  const place = (field: 'city' | 'state' | 'country'): string => {
    const value = a[field]?.trim() || other[field]?.trim();
    if (!value) throw new MappingError(`${path}.${field}`, 'is required to deliver (given on neither party)');
    return value;
  };
  return {
    ...(name ? { name } : {}),
    address: street,
    ...(a.addressComplement ? { address_two: a.addressComplement } : {}),
    ...description(a.neighborhood, address && reference ? reference : undefined),
    city: place('city'),
    state: place('state'),
    country: place('country'),
    ...(a.zipCode ? { zip_code: a.zipCode } : {}),
    ...(coords ?? {}),
  };
}

/** Instaleap's address has no neighborhood: it goes in `description`, with a reference the street did not use. */
function description(neighborhood: string | null | undefined, reference: string | undefined): { description?: string } {
  const parts = [
    neighborhood ? `Neighborhood: ${neighborhood}` : undefined,
    reference ? `Reference: ${reference}` : undefined,
  ];
  const text = parts.filter(Boolean).join(' | ');
  return text ? { description: text } : {};
}

/** Cubic centimetres of a box, when all three sides are known. */
function volumeOf(dims: { width?: number; height?: number; length?: number } | undefined): number | undefined {
  if (!dims || dims.width === undefined || dims.height === undefined || dims.length === undefined) return undefined;
  return round(dims.width * dims.height * dims.length, 2);
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
  const volume = volumeOf(dims);
  const items = pkg.items ?? [];
  if (items.length === 0) {
    // A package without item detail still travels: it becomes one item of its own.
    return [
      {
        id: pkg.id,
        name: pkg.description || pkg.envelope || `Package ${pkg.id}`,
        unit: ITEM_UNIT,
        quantity: 1,
        ...(packageWeight !== undefined ? { weight: packageWeight } : {}),
        ...(volume !== undefined ? { volume } : {}),
        ...(typeof pkg.totalValue === 'number' ? { price: pkg.totalValue } : {}),
      },
    ];
  }
  return items.map((item, i) => {
    const weight = weightToKg(item.weight, `${path}.items.${i}.weight`);
    return {
      id: item.id,
      name: item.name,
      unit: ITEM_UNIT,
      quantity: item.quantity,
      ...(typeof item.price === 'number' ? { price: item.price } : {}),
      ...(item.ean ? { barcodes: [item.ean] } : {}),
      ...(weight !== undefined ? { weight } : {}),
    };
  });
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
  if (typeof body.orderValue === 'number') return round(body.orderValue, 2);
  const totals = body.packages.map((p) => p.totalValue);
  if (totals.every((t): t is number => typeof t === 'number'))
    return round(
      totals.reduce((a, b) => a + b, 0),
      2,
    );
  const items = body.packages.flatMap((p) => p.items ?? []);
  return round(
    items.reduce((sum, i) => sum + (i.price ?? 0) * i.quantity, 0),
    2,
  );
}

function currencyOf(body: CreateServiceRequest): string {
  const configured = settingValue(body.settings, 'currency');
  if (configured && /^[A-Za-z]{3}$/.test(configured)) return configured.toUpperCase();
  const country = body.sender.country ?? body.receiver.country ?? '';
  return CURRENCY_BY_COUNTRY.get(country.trim().toLowerCase()) ?? FALLBACK_CURRENCY;
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

/** Within this, a PICKUP's receiver is the store itself: no trip to make. */
export const PICKUP_SAME_PLACE_METRES = 150;

/**
 * PICKUP is the customer collecting in person "at the store or designated pickup point" (VTEX's
 * OpenAPI). A pickup point elsewhere is a trip this carrier makes: the store to the point, where
 * the customer collects. The store itself is none: refused naming `type`, at Create service and at
 * /rates alike, so VTEX's checkout offers no rate of ours for it and the store hands the parcel over
 * itself (docs/partners.md "VTEX").
 */
function checkPickupIsATrip(sender: EngineAddress, receiver: EngineAddress): void {
  const km = distanceKm(sender, receiver);
  const sameStreet =
    sender.address.trim().toLowerCase() === receiver.address.trim().toLowerCase() &&
    sender.city.trim().toLowerCase() === receiver.city.trim().toLowerCase();
  if ((km !== undefined && km * 1000 <= PICKUP_SAME_PLACE_METRES) || (km === undefined && sameStreet))
    throw new MappingError(
      'type',
      'PICKUP at the store itself is the customer collecting there: no trip for a carrier (a pickup point elsewhere is taken)',
    );
}

function jobComment(body: CreateServiceRequest, type: string, phoneFromSender: boolean): string | undefined {
  const parts = [
    type === 'TRANSFER' ? 'Store-to-store transfer: hand over at the receiving store.' : undefined,
    type === 'PICKUP' ? 'Pickup point: hand over at the point, where the customer collects it.' : undefined,
    body.comments?.trim(),
    body.receiver.contactName ? `Contact: ${body.receiver.contactName}` : undefined,
    phoneFromSender ? 'Recipient phone missing: the sender phone is given.' : undefined,
  ].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' | ') : undefined;
}

/** What the driver's card shows beyond the job itself: service type, packages, timezone. */
function cardInfo(body: CreateServiceRequest, type: string, payment: Payment): Record<string, string> {
  const info: Record<string, string> = {
    vtex_service_type: `${type} / ${body.carrierServiceType ?? 'not given'}`,
    // The raw method, so the driver never takes an unknown one for paid.
    payment: payment.known ? payment.raw : `${payment.raw}: unknown method, not known to be paid; ask the operator`,
  };
  if (body.timezone?.value) info.timezone = `${body.timezone.value} (offset ${body.timezone.offset ?? '?'})`;
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
