/**
 * Abbiamo's DELIVERY_REQUEST (docs/marketplace.md) to Delivery Engine jobs, one per
 * element of `deliveries`. Pure: no I/O, no clock except the `now` it is given, and the headers
 * are sealed by the function it is handed. Each rule where the seed leaves a choice is written in
 * docs/marketplace.md ("Mapping").
 */
import { BLOCKING_POLICY, type EngineAddress, type EngineItem } from '../contracts/deliveryEngine';
import type { DeliveryRequestEvent, AbbiamoAddress, AbbiamoDelivery, ReceiverUpdateEvent } from '../contracts/abbiamo';
import type { DeliveryInput, JobSpec, ReceiverChange } from '../contracts/delivery';
import { MappingError, MappingErrors } from './errors';
import { abbiamoServiceId } from './ids';
import { centsToMajor, gramsToKg, isoOffsetOf, timeOfDayOn } from './units';

/** Abbiamo is Brazilian and its events carry no currency: every amount is BRL cents. */
export const ABBIAMO_CURRENCY = 'BRL';

const DAY_MS = 24 * 60 * 60_000;

export interface AbbiamoMappingOptions {
  now: Date;
  /** However late the window, creation is tried for at least this long (same rule as VTEX). */
  creationGraceMs: number;
  /** Seals `logistic_data.headers` for one delivery (security/sealing.ts, bound to its serviceId). */
  sealHeaders: (headers: Record<string, string>, serviceId: string) => string;
  /**
   * Abbiamo cancels a delivery we did not confirm by then (MARKETPLACE_CONFIRMATION_TIMEOUT_MS):
   * creation gives up at 5/6 of it, so its failure still reaches Abbiamo inside the timeout.
   */
  confirmationTimeoutMs: number;
  /** Our pickup code for a delivery (`pincode_owner: carrier`): 4 digits, the same for the same delivery. */
  pickupCode: (deliveryId: string) => string;
}

/** Share of Abbiamo's confirmation timeout that job creation may use; the rest is for reporting. */
export const CREATION_SHARE_OF_CONFIRMATION_TIMEOUT = 5 / 6;

type Flags = NonNullable<AbbiamoDelivery['carrier_additional_information']>;

/**
 * Every delivery of the event, or every reason why not: a MappingErrors lists the problems of all
 * deliveries, so nothing is started for an event that cannot be delivered whole.
 */
export function mapAbbiamoEvent(event: DeliveryRequestEvent, options: AbbiamoMappingOptions): DeliveryInput[] {
  const inputs: DeliveryInput[] = [];
  const errors: MappingError[] = [];
  event.deliveries.forEach((_, index) => {
    try {
      inputs.push(mapAbbiamoDelivery(event, index, options));
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      errors.push(err);
    }
  });
  // An event-level problem (the dispatch cutoff) shows once, not once per delivery.
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.message === e.message) === i);
  if (unique.length > 0) throw new MappingErrors(unique);
  return inputs;
}

export function mapAbbiamoDelivery(
  event: DeliveryRequestEvent,
  index: number,
  options: AbbiamoMappingOptions,
): DeliveryInput {
  const delivery = event.deliveries[index];
  if (!delivery) throw new MappingError(`deliveries.${index}`, 'does not exist');
  const path = `deliveries.${index}`;
  const serviceId = abbiamoServiceId(delivery.delivery_id);
  const flags: Flags = delivery.carrier_additional_information ?? {};

  const items = delivery.volumes.map((volume, v) => volumeItem(volume, v, delivery, `${path}.volumes.${v}`));
  const { window, giveUpAt } = timing(event, options);
  const phone = recipientPhone(event, delivery, path);
  const orderValue = centsToMajor(delivery.amount);
  // The courier brings a card machine only to charge at the door: otherwise Abbiamo has
  // already collected the payment and the driver charges nothing.
  const collectAtDoor = flags.pos_terminal_required === true;
  const route = routeOf(event);
  const roundTrip = roundTripOf(event, flags);
  const pickup = pickupCodeOf(event, delivery, options);

  const spec: JobSpec = {
    // Unique per delivery: an Abbiamo id equal to a VTEX order id is another job.
    clientReference: serviceId,
    availability: {
      origin: toEngineAddress(event.source_address, event.seller.seller_name),
      destination: toEngineAddress(delivery.destination_address, delivery.customer.name),
      job_items: items,
      ...(window ? { window } : {}),
      seller: event.seller.seller_id,
      currency_code: ABBIAMO_CURRENCY,
      packages: delivery.volumes.map((volume) => volume.id),
    },
    job: {
      recipient: {
        name: delivery.customer.name,
        phone_number: phone.number,
        // Abbiamo tells its customer about the delivery itself (from our callbacks).
        wants_to_receive_notifications: false,
        ...(delivery.customer.document_number?.trim()
          ? {
              identification: {
                number: delivery.customer.document_number.trim(),
                type: documentType(delivery.customer.document_number),
              },
            }
          : {}),
      },
      payment_info: {
        currency_code: ABBIAMO_CURRENCY,
        prices: {
          order_value: orderValue,
          shipping_fee: centsToMajor(delivery.expected_delivery_price ?? 0),
          taxes: 0,
          discounts: 0,
          subtotal: orderValue,
        },
        payment: {
          id: `${delivery.delivery_id}-payment`,
          payment_status: collectAtDoor ? 'PENDING' : 'PAID',
          method: collectAtDoor ? 'CARD_ON_DELIVERY' : 'ONLINE',
          method_details: collectAtDoor
            ? 'pos_terminal_required: the courier brings the card machine and charges at the door'
            : 'Paid to Abbiamo',
          reference: delivery.order_number,
          value: collectAtDoor ? orderValue : 0,
          // Abbiamo's own PIN: the job waits in the store until Abbiamo says the store took it.
          ...(pickup?.owner === 'abbiamo' ? { blocking_policy: BLOCKING_POLICY.hold } : {}),
        },
      },
      ...(roundTrip ? { round_trip_info: roundTrip } : {}),
      // The driver shows this code at the pickup (ours, or the one Abbiamo gave the seller).
      ...(pickup ? { pick_up_code: pickup.code } : {}),
      job_comment: withPickupPin(pickup, jobComment(event, delivery, flags, orderValue, phone.fromSeller)),
      additional_card_info: cardInfo(event, delivery, flags, orderValue, route),
    },
  };

  return {
    serviceId,
    platform: 'marketplace',
    orderId: delivery.order_number,
    carrierId: event.carrier.method.id,
    ...(route ? { routeId: route.id, ...(route.name ? { routeName: route.name } : {}) } : {}),
    spec,
    report: {
      platform: 'marketplace',
      deliveryId: delivery.delivery_id,
      orderNumber: delivery.order_number,
      tracking: delivery.tracking ?? null,
      sealedHeaders: options.sealHeaders(event.logistic_data.headers, serviceId),
      requestedAt: options.now.toISOString(),
      ...(pickup?.owner === 'carrier' ? { pickupCode: pickup.code } : {}),
      receiver: {
        name: delivery.customer.name,
        ...(delivery.customer.document_number?.trim() ? { document: delivery.customer.document_number.trim() } : {}),
      },
    },
    giveUpAt,
    // No confirmation window to wait for: Abbiamo takes callbacks as soon as the job exists.
    tuning: { confirmationMarginMs: 0 },
    context: {
      eventType: event.event_type,
      seller: {
        id: event.seller.seller_id,
        name: event.seller.seller_name,
        ...(event.seller.seller_group_id ? { groupId: event.seller.seller_group_id } : {}),
        ...(event.seller.seller_document_number ? { documentNumber: event.seller.seller_document_number } : {}),
      },
      carrierMethod: {
        id: event.carrier.method.id,
        name: event.carrier.method.name,
        ...(event.carrier.method.type ? { type: event.carrier.method.type } : {}),
        ...(event.carrier.method.external_id ? { externalId: event.carrier.method.external_id } : {}),
      },
      orderNumber: delivery.order_number,
      tracking: delivery.tracking ?? null,
      invoice: {
        number: delivery.invoice_number ?? null,
        accessKey: delivery.invoice_access_key ?? null,
        createdAt: delivery.invoice_created_at ?? null,
      },
      maxDispatchedTime: event.carrier.max_dispatched_time ?? null,
      expectedDeliveryDate: event.carrier.expected_delivery_date ?? null,
      expectedDeliveryPrice:
        delivery.expected_delivery_price == null ? null : centsToMajor(delivery.expected_delivery_price),
      totalExpectedDeliveryPrice:
        event.carrier.total_expected_delivery_price == null
          ? null
          : centsToMajor(event.carrier.total_expected_delivery_price),
      makeRoute: event.make_route,
      courierMustReturn: event.courier_must_return ?? null,
      deliveriesInEvent: event.deliveries.length,
      pickupCodeOwner: pickup?.owner ?? null,
    },
  };
}

/**
 * Abbiamo's receiver change as the engine's: mapped as the DELIVERY_REQUEST's recipient and
 * destination are, so the job reads the same either way. A phone that is no phone is refused.
 */
export function receiverChangeOf(event: ReceiverUpdateEvent): ReceiverChange {
  const customer = event.customer ?? {};
  const name = customer.name?.trim();
  const document = customer.document_number?.trim();
  let phone: string | undefined;
  if (customer.phone?.trim()) {
    phone = internationalPhone(customer.phone, customer.phone_country_code);
    if (!phone) throw new MappingError('customer.phone', 'is not a phone number the driver can call');
  }
  const recipient = {
    ...(name ? { name } : {}),
    ...(phone ? { phone_number: phone } : {}),
    ...(document ? { identification: { number: document, type: documentType(document) } } : {}),
  };
  return {
    ...(Object.keys(recipient).length > 0 ? { recipient } : {}),
    ...(event.destination_address ? { destination: toEngineAddress(event.destination_address, name) } : {}),
  };
}

/** Abbiamo's DELIVERY_REQUEST prints "street" and "street_number" apart; the engine takes one address line. */
function toEngineAddress(a: AbbiamoAddress, name: string | null | undefined): EngineAddress {
  const number = a.street_number?.trim();
  const street = number && !a.street.includes(number) ? `${a.street}, ${number}` : a.street;
  const lat = a.latitude;
  const lng = a.longitude;
  // Coordinates only as a pair, and not the (0, 0) of a form left blank.
  const located = typeof lat === 'number' && typeof lng === 'number' && !(lat === 0 && lng === 0);
  return {
    ...(name ? { name } : {}),
    address: street,
    ...(a.complement?.trim() ? { address_two: a.complement.trim() } : {}),
    ...addressDescription(a.neighborhood?.trim(), a.reference?.trim()),
    city: a.city,
    state: a.state,
    country: a.country,
    ...(a.zip_code?.trim() ? { zip_code: a.zip_code.trim() } : {}),
    ...(located ? { latitude: lat, longitude: lng } : {}),
  };
}

/** Instaleap's address has no neighborhood: it goes in `description`, with the reference. */
function addressDescription(neighborhood: string | undefined, reference: string | undefined): { description?: string } {
  const parts = [
    neighborhood ? `Neighborhood: ${neighborhood}` : undefined,
    reference ? `Reference: ${reference}` : undefined,
  ];
  const text = parts.filter(Boolean).join(' | ');
  return text ? { description: text } : {};
}

/**
 * A measure of the event (grams or cm): null, absent and 0 all mean "not measured" (Abbiamo's own
 * example sends `weight: 0` with null sizes); a negative one is an error of the sender.
 */
function measured(value: number | null | undefined, path: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw new MappingError(path, 'must not be negative');
  return value === 0 ? undefined : value;
}

/** Each volume is one engine item, even when it carries no measures: it still has to travel. */
function volumeItem(
  volume: AbbiamoDelivery['volumes'][number],
  v: number,
  delivery: AbbiamoDelivery,
  path: string,
): EngineItem {
  const grams = measured(volume.weight, `${path}.weight`);
  const dims = {
    width: measured(volume.width, `${path}.width`),
    height: measured(volume.height, `${path}.height`),
    length: measured(volume.length, `${path}.length`),
  };
  const cubic = measured(volume.cubic_volume, `${path}.cubic_volume`);
  // cm3: Abbiamo's own figure, else the box's sides when all three are given.
  const volumeCm3 =
    cubic ??
    (dims.width !== undefined && dims.height !== undefined && dims.length !== undefined
      ? dims.width * dims.height * dims.length
      : undefined);
  return {
    id: volume.id,
    name: `Volume ${v + 1} of ${delivery.volumes.length} (order ${delivery.order_number})`,
    unit: 'unit',
    quantity: 1,
    ...(grams !== undefined ? { weight: gramsToKg(grams) } : {}),
    ...(volumeCm3 !== undefined ? { volume: volumeCm3 } : {}),
  };
}

/**
 * The slot request window and how long creation is worth trying.
 * - ends_at: `carrier.expected_delivery_date`, what Abbiamo promised its customer.
 * - starts_at: `carrier.max_dispatched_time` on that date (in the time's own offset): the seller
 *   hands the order over by then at the latest, so a courier sent then finds it ready. A cutoff
 *   later than the promise is the previous day's. Never earlier than now.
 * - A promise already past sends no window (the engine offers its next slot), like VTEX.
 * - giveUpAt: max(promise, now + creationGraceMs), the VTEX rule, but never later than 5/6 of
 *   Abbiamo's confirmation timeout (25 of its 30 minutes): a delivery whose job cannot be had is
 *   reported to Abbiamo before Abbiamo cancels it for want of a confirmation.
 */
function timing(
  event: DeliveryRequestEvent,
  options: AbbiamoMappingOptions,
): { window?: { starts_at: string; ends_at: string }; giveUpAt: string } {
  const now = options.now.getTime();
  const confirmBy = now + Math.floor(options.confirmationTimeoutMs * CREATION_SHARE_OF_CONFIRMATION_TIMEOUT);
  const graceEnd = now + options.creationGraceMs;
  const giveUp = (end: number) => new Date(Math.min(Math.max(end, graceEnd), confirmBy)).toISOString();
  const promised = event.carrier.expected_delivery_date;
  if (!promised) return { giveUpAt: giveUp(graceEnd) };
  const end = Date.parse(promised);
  const giveUpAt = giveUp(end);
  if (end <= now) return { giveUpAt };

  let start = now;
  const cutoff = event.carrier.max_dispatched_time;
  if (cutoff) {
    // The promise's calendar date as written (its own offset), not the UTC date.
    let dispatch = Date.parse(
      timeOfDayOn(promised.slice(0, 10), cutoff, isoOffsetOf(promised), 'carrier.max_dispatched_time'),
    );
    if (dispatch >= end) dispatch -= DAY_MS;
    start = Math.max(now, dispatch);
  }
  return { window: { starts_at: new Date(start).toISOString(), ends_at: new Date(end).toISOString() }, giveUpAt };
}

/**
 * `logistic_data.pickup_verification`: with `carrier` the code is ours (made by `pickupCode`, the
 * same for the same delivery, so a repeated event gives the same job); with `abbiamo` it is
 * Abbiamo's `pincode_value`. Either way the engine job carries it (`pick_up_code`) for the driver.
 */
function pickupCodeOf(
  event: DeliveryRequestEvent,
  delivery: AbbiamoDelivery,
  options: AbbiamoMappingOptions,
): { owner: 'carrier' | 'abbiamo'; code: string } | undefined {
  const verification = event.logistic_data.pickup_verification;
  if (!verification?.pincode) return undefined;
  if (verification.pincode_owner === 'carrier')
    return { owner: 'carrier', code: options.pickupCode(delivery.delivery_id) };
  if (verification.pincode_owner === 'abbiamo' && verification.pincode_value)
    return { owner: 'abbiamo', code: verification.pincode_value };
  return undefined;
}

/**
 * Abbiamo's PIN, first in the driver's comment: the driver tells it to the store operator, who types
 * it in Abbiamo's dashboard (docs/marketplace.md "Pickup verification").
 */
function withPickupPin(pickup: { owner: string; code: string } | undefined, comment: string | undefined) {
  if (pickup?.owner !== 'abbiamo') return comment;
  const pin = `Pickup PIN: tell the store operator ${pickup.code}; the pickup unlocks once the store enters it.`;
  return comment ? `${pin} | ${comment}` : pin;
}

function digits(raw: string | null | undefined): string {
  return (raw ?? '').replace(/\D+/g, '');
}

/** "+<country code><number>" (E.164 form); a number already written with "+" is kept as it is. */
export function internationalPhone(
  phone: string | null | undefined,
  countryCode: string | null | undefined,
): string | undefined {
  const local = digits(phone);
  if (!local) return undefined;
  if (phone!.trim().startsWith('+')) return `+${local}`;
  const code = digits(countryCode);
  return code ? `+${code}${local}` : local;
}

/** The customer's phone; else the seller's first contact phone, with a note for the driver. */
function recipientPhone(
  event: DeliveryRequestEvent,
  delivery: AbbiamoDelivery,
  path: string,
): { number: string; fromSeller: boolean } {
  const own = internationalPhone(delivery.customer.phone, delivery.customer.phone_country_code);
  if (own) return { number: own, fromSeller: false };
  for (const contact of event.seller.seller_contacts ?? []) {
    const seller = internationalPhone(contact.phone, contact.phone_country_code);
    if (seller) return { number: seller, fromSeller: true };
  }
  throw new MappingError(
    `${path}.customer.phone`,
    'is required to deliver: the driver needs a phone to call (a seller contact phone is used when only it is given)',
  );
}

/** Brazilian documents by length: 11 digits CPF (a person), 14 digits CNPJ (a company). */
export function documentType(documentNumber: string): string {
  const n = digits(documentNumber).length;
  if (n === 11) return 'CPF';
  if (n === 14) return 'CNPJ';
  return 'DOCUMENT';
}

function routeOf(event: DeliveryRequestEvent): { id: string; name?: string } | undefined {
  // route_id/route_name "exist when make_route is true": without make_route they are ignored.
  if (!event.make_route || !event.route_id) return undefined;
  return { id: event.route_id, ...(event.route_name?.trim() ? { name: event.route_name.trim() } : {}) };
}

/** What the courier brings back to the seller on a round trip. */
function bringBack(flags: Flags): string[] {
  return [
    flags.keep_prescription ? 'the retained prescription' : undefined,
    flags.pos_terminal_required ? 'the POS terminal' : undefined,
  ].filter((x): x is string => Boolean(x));
}

/** `return_to_origin` (per delivery) or `courier_must_return` (per event): the job is a round trip. */
function roundTripOf(event: DeliveryRequestEvent, flags: Flags): { enabled: true; reason: string } | undefined {
  const why = [
    flags.return_to_origin ? 'return_to_origin' : undefined,
    event.courier_must_return ? 'courier_must_return' : undefined,
  ].filter((x): x is string => Boolean(x));
  if (why.length === 0) return undefined;
  const things = bringBack(flags);
  return {
    enabled: true,
    reason: `Return to the seller after the delivery (${why.join(', ')})${things.length ? `: bring back ${things.join(' and ')}` : ''}`,
  };
}

function money(value: number): string {
  return `${ABBIAMO_CURRENCY} ${value.toFixed(2)}`;
}

/** What the driver must do, most important first: every requirement of the seller in words. */
function jobComment(
  event: DeliveryRequestEvent,
  delivery: AbbiamoDelivery,
  flags: Flags,
  orderValue: number,
  phoneFromSeller: boolean,
): string | undefined {
  const roundTrip = flags.return_to_origin || event.courier_must_return;
  const parts = [
    flags.keep_prescription ? "KEEP THE PRESCRIPTION: collect the customer's prescription at delivery" : undefined,
    flags.thermolabile
      ? 'THERMOLABILE: temperature-sensitive items, keep them in their required temperature range'
      : undefined,
    flags.pos_terminal_required
      ? `POS TERMINAL: bring the card machine and charge ${money(orderValue)} at the door`
      : undefined,
    roundTrip
      ? `RETURN TO ORIGIN: go back to the seller after the delivery${bringBack(flags).length ? ` with ${bringBack(flags).join(' and ')}` : ''}`
      : undefined,
    flags.observation?.trim() ? `Seller note: ${flags.observation.trim()}` : undefined,
    delivery.invoice_number ? `Invoice ${delivery.invoice_number}` : undefined,
    phoneFromSeller ? 'Recipient phone missing: the seller contact phone is given.' : undefined,
  ].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' | ') : undefined;
}

const FLAG_NAMES = ['keep_prescription', 'thermolabile', 'pos_terminal_required', 'return_to_origin'] as const;

/** The driver's card: identifiers for the handover and every flag as the seller set it. */
function cardInfo(
  event: DeliveryRequestEvent,
  delivery: AbbiamoDelivery,
  flags: Flags,
  orderValue: number,
  route: { id: string; name?: string } | undefined,
): Record<string, string> {
  const info: Record<string, string> = {
    marketplace_order: delivery.order_number,
    delivery_id: delivery.delivery_id,
    seller: event.seller.seller_name,
    delivery_method: `${event.carrier.method.name}${event.carrier.method.type ? ` (${event.carrier.method.type})` : ''}`,
    payment: flags.pos_terminal_required
      ? `charge ${money(orderValue)} by card (POS terminal)`
      : `paid to Abbiamo (${money(orderValue)})`,
  };
  if (delivery.tracking) info.tracking = delivery.tracking;
  if (delivery.invoice_number) info.invoice = delivery.invoice_number;
  if (delivery.invoice_access_key) info.invoice_access_key = delivery.invoice_access_key;
  if (delivery.invoice_created_at) info.invoice_created_at = delivery.invoice_created_at;
  for (const name of FLAG_NAMES) {
    const value = flags[name];
    if (typeof value === 'boolean') info[name] = value ? 'yes' : 'no';
  }
  if (typeof event.courier_must_return === 'boolean')
    info.courier_must_return = event.courier_must_return ? 'yes' : 'no';
  if (flags.observation?.trim()) info.observation = flags.observation.trim();
  if (event.carrier.max_dispatched_time) info.dispatch_by = event.carrier.max_dispatched_time;
  if (event.carrier.expected_delivery_date) info.deliver_by = event.carrier.expected_delivery_date;
  if (route) info.route = route.name ? `${route.name} (${route.id})` : route.id;
  delivery.volumes.forEach((volume, v) => {
    const size = [volume.width, volume.height, volume.length].every((x) => typeof x === 'number' && x > 0)
      ? `${volume.width}x${volume.height}x${volume.length} cm`
      : 'size not given';
    const weight =
      typeof volume.weight === 'number' && volume.weight > 0 ? `${gramsToKg(volume.weight)} kg` : 'weight not given';
    info[`volume ${v + 1}/${delivery.volumes.length}`] = `${volume.id}, ${size}, ${weight}`;
  });
  return info;
}
