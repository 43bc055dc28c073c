import { availabilityRequest } from '../../activities/clients/deliveryEngine';
import { RateCard } from '../../contracts/rateCard';
import { AvailabilityRequest, CreateJobRequest } from '../../contracts/deliveryEngine';
import { fieldErrors } from '../../contracts/common';
import { DeliveryRequestEvent } from '../../contracts/abbiamo';
import { MappingError, MappingErrors } from '../../mapping/errors';
import { abbiamoServiceId } from '../../mapping/ids';
import { documentType, internationalPhone, mapAbbiamoDelivery, mapAbbiamoEvent } from '../../mapping/abbiamoToJob';
import type { DeliveryInput } from '../../contracts/delivery';
import { seedDeliveryRequest, seedRouteDeliveryRequest } from '../support/abbiamoEvents';

const now = new Date('2026-11-27T12:00:00.000Z');
const sealHeaders = (headers: Record<string, string>, serviceId: string) =>
  `sealed(${serviceId}):${Object.keys(headers).join(',')}`;
const pickupCode = (deliveryId: string) => `code-of-${deliveryId}`;
const options = { now, creationGraceMs: 600_000, sealHeaders, confirmationTimeoutMs: 30 * 60_000, pickupCode };
const parse = (body: unknown) => DeliveryRequestEvent.parse(body);
const mapOne = (body: Record<string, any>, index = 0): DeliveryInput => mapAbbiamoDelivery(parse(body), index, options);
const withDelivery = (change: (d: Record<string, any>) => void, event = seedDeliveryRequest()) => {
  change(event.deliveries[0]);
  return event;
};
const mappingErrorOf = (fn: () => unknown): { path: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MappingErrors) return err.errors.map((e) => ({ path: e.path, message: e.message }));
    if (err instanceof MappingError) return [{ path: err.path, message: err.message }];
    throw err;
  }
  throw new Error('expected a mapping error');
};

/** The carrier's slot settings (config/index.ts), to build the engine's availability request. */
const SETTINGS = {
  storeReference: 'store-1',
  sellerStores: {},
  operationalModels: ['FULL_SERVICE'],
  slotSizeMinutes: 60,
  rateCard: RateCard.parse({
    currency: 'BRL',
    default: { base_fee: 0, per_km: [{ up_to: null, cents_each: 0 }], per_kg: [{ up_to: null, cents_each: 0 }] },
  }),
};

describe('Abbiamo DELIVERY_REQUEST to Delivery Engine jobs', () => {
  const input = mapOne(seedDeliveryRequest());

  it("accepts both of Abbiamo's examples and keeps unknown extra fields", () => {
    expect(DeliveryRequestEvent.safeParse(seedDeliveryRequest()).error?.issues).toBeUndefined();
    expect(DeliveryRequestEvent.safeParse(seedRouteDeliveryRequest()).error?.issues).toBeUndefined();
    expect((parse({ ...seedDeliveryRequest(), brand_new_field: 1 }) as Record<string, unknown>).brand_new_field).toBe(
      1,
    );
  });

  it('produces an availability request and a job body the engine schema accepts', () => {
    expect(
      AvailabilityRequest.safeParse(availabilityRequest(input.spec.availability, SETTINGS, Date.now())).error?.issues,
    ).toBeUndefined();
    const body = {
      ...input.spec.job,
      slot_id: 's',
      client_reference: input.spec.clientReference,
      external_data: { webhook: { URL: 'http://127.0.0.1/x', key: 'k' } },
    };
    expect(CreateJobRequest.safeParse(body).error?.issues).toBeUndefined();
  });

  it('names the delivery by delivery_id: workflow id, client_reference (the serviceId: unique per delivery), platform and report target', () => {
    expect(input.serviceId).toBe(abbiamoServiceId('851dc274-e090-4881-8f3c-5b660cecf059'));
    expect(input.spec.clientReference).toBe(input.serviceId);
    expect(input.platform).toBe('marketplace');
    expect(input.orderId).toBe('example_carrier_payload_1');
    expect(input.carrierId).toBe('e84b2788-5b78-40dd-95cf-75807f70aaaa');
    expect(input.report).toEqual({
      platform: 'marketplace',
      deliveryId: '851dc274-e090-4881-8f3c-5b660cecf059',
      orderNumber: 'example_carrier_payload_1',
      tracking: 'a-vBGOS',
      sealedHeaders: `sealed(${input.serviceId}):Authorization`,
      requestedAt: '2026-11-27T12:00:00.000Z',
      // Named on successful (docs/marketplace.md "What we send").
      receiver: { name: 'Machado de Assis', document: '07073877014' },
    });
  });

  it('never puts the callback headers in clear anywhere in the input', () => {
    const event = seedDeliveryRequest();
    event.logistic_data.headers = { Authorization: 'Bearer top-secret-value', 'X-Api-Key': 'another-secret' };
    const text = JSON.stringify(mapOne(event));
    expect(text).not.toContain('top-secret-value');
    expect(text).not.toContain('another-secret');
  });

  it('turns cents into major units: amount into the order value, expected_delivery_price into the shipping fee', () => {
    const event = withDelivery((d) => {
      d.amount = 123456;
      d.expected_delivery_price = 1999;
    });
    expect(mapOne(event).spec.job.payment_info.prices).toEqual({
      order_value: 1234.56,
      shipping_fee: 19.99,
      taxes: 0,
      discounts: 0,
      subtotal: 1234.56,
    });
    expect(input.spec.job.payment_info.currency_code).toBe('BRL');
  });

  it('makes each volume an item, grams to kg, lengths kept in cm', () => {
    const event = withDelivery((d) => {
      d.volumes = [
        { id: 'v1', weight: 1250, height: 10, width: 20, length: 30.5, cubic_volume: 6100 },
        { id: 'v2', weight: 300, height: null, width: 15, length: null, cubic_volume: null },
      ];
    });
    expect(mapOne(event).spec.availability.job_items).toEqual([
      {
        id: 'v1',
        name: 'Volume 1 of 2 (order example_carrier_payload_1)',
        quantity: 1,
        unit: 'unit',
        weight: 1.25,
        volume: 6100,
      },
      {
        id: 'v2',
        name: 'Volume 2 of 2 (order example_carrier_payload_1)',
        quantity: 1,
        unit: 'unit',
        weight: 0.3,
      },
    ]);
  });

  it('keeps a volume with null sizes and weight 0 (the seed example) as an item without measures', () => {
    expect(input.spec.availability.job_items).toEqual([
      {
        id: '4754cd99-3378-4e6c-bdaf-53db23ac5a4f',
        name: 'Volume 1 of 1 (order example_carrier_payload_1)',
        quantity: 1,
        unit: 'unit',
      },
    ]);
    expect(input.spec.job.additional_card_info?.['volume 1/1']).toBe(
      '4754cd99-3378-4e6c-bdaf-53db23ac5a4f, size not given, weight not given',
    );
  });

  it('refuses a negative measure with the field path of the delivery and volume', () => {
    const event = seedDeliveryRequest();
    event.deliveries.push({ ...JSON.parse(JSON.stringify(event.deliveries[0])), delivery_id: 'second' });
    event.deliveries[1].volumes[0].weight = -5;
    expect(mappingErrorOf(() => mapAbbiamoEvent(parse(event), options))).toEqual([
      { path: 'deliveries.1.volumes.0.weight', message: 'deliveries.1.volumes.0.weight: must not be negative' },
    ]);
  });

  it('lists the mapping errors of every delivery at once, not only the first', () => {
    const event = seedDeliveryRequest();
    event.deliveries.push({ ...JSON.parse(JSON.stringify(event.deliveries[0])), delivery_id: 'second' });
    event.deliveries[0].volumes[0].height = -1;
    event.deliveries[1].customer.phone = null;
    event.seller.seller_contacts = null;
    expect(mappingErrorOf(() => mapAbbiamoEvent(parse(event), options)).map((e) => e.path)).toEqual([
      'deliveries.0.volumes.0.height',
      'deliveries.1.customer.phone',
    ]);
  });

  it('maps every delivery of an event to its own input', () => {
    const event = seedDeliveryRequest();
    event.deliveries.push({
      ...JSON.parse(JSON.stringify(event.deliveries[0])),
      delivery_id: 'd-2',
      order_number: 'o-2',
    });
    event.deliveries.push({
      ...JSON.parse(JSON.stringify(event.deliveries[0])),
      delivery_id: 'd-3',
      order_number: 'o-3',
    });
    const inputs = mapAbbiamoEvent(parse(event), options);
    expect(inputs.map((i) => [i.serviceId, i.spec.clientReference, i.orderId])).toEqual([
      [
        'mkt-851dc274-e090-4881-8f3c-5b660cecf059',
        'mkt-851dc274-e090-4881-8f3c-5b660cecf059',
        'example_carrier_payload_1',
      ],
      ['mkt-d-2', 'mkt-d-2', 'o-2'],
      ['mkt-d-3', 'mkt-d-3', 'o-3'],
    ]);
    expect(inputs[2]!.report).toMatchObject({ sealedHeaders: 'sealed(mkt-d-3):Authorization' });
  });

  it('maps the customer to the recipient: phone with country code, document as identification', () => {
    expect(input.spec.job.recipient).toEqual({
      name: 'Machado de Assis',
      phone_number: '+55911111111',
      wants_to_receive_notifications: false,
      identification: { number: '07073877014', type: 'CPF' },
    });
  });

  it('writes phones in international form and keeps one already written with +', () => {
    expect(internationalPhone('(11) 98765-4321', '55')).toBe('+5511987654321');
    expect(internationalPhone('+55 11 98765-4321', '55')).toBe('+5511987654321');
    expect(internationalPhone('911111111', null)).toBe('911111111');
    expect(internationalPhone('', '55')).toBeUndefined();
    expect(internationalPhone(null, '55')).toBeUndefined();
  });

  it('names Brazilian documents by their length: CPF, CNPJ, else DOCUMENT', () => {
    expect(documentType('070.738.770-14')).toBe('CPF');
    expect(documentType('88.399.480/0001-56')).toBe('CNPJ');
    expect(documentType('RG 12345')).toBe('DOCUMENT');
    expect(
      mapOne(withDelivery((d) => (d.customer.document_number = null))).spec.job.recipient.identification,
    ).toBeUndefined();
  });

  it('falls back to the seller contact phone with a note for the driver, and refuses a delivery with no phone at all', () => {
    const event = withDelivery((d) => (d.customer.phone = null));
    const mapped = mapOne(event);
    expect(mapped.spec.job.recipient.phone_number).toBe('+5521999999999');
    expect(mapped.spec.job.job_comment).toContain('Recipient phone missing: the seller contact phone is given.');
    event.seller.seller_contacts = [];
    expect(mappingErrorOf(() => mapOne(event))).toEqual([
      { path: 'deliveries.0.customer.phone', message: expect.stringContaining('is required to deliver') },
    ]);
  });

  it('maps source_address to the origin (seller name) and destination_address to the destination (customer name), with coordinates', () => {
    expect(input.spec.availability.origin).toEqual({
      name: 'Go Go Fruits',
      address: 'Avenida Ibirapuera, 3407',
      description: 'Neighborhood: Indianópolis',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      zip_code: '04029904',
      latitude: -23.52045997445427,
      longitude: -46.438805678513575,
    });
    expect(input.spec.availability.destination).toEqual({
      name: 'Machado de Assis',
      address: 'Rua Doutor Alfredo Sales, 931',
      address_two: 'sala 2',
      description: 'Neighborhood: Jardim das Camélias',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      zip_code: '08050360',
      latitude: -23.834499518193947,
      longitude: -45.37406370734008,
    });
  });

  it('puts the address reference in the description and drops a half or (0, 0) location', () => {
    const event = withDelivery((d) => {
      d.destination_address.reference = 'portão azul';
      d.destination_address.longitude = null;
    });
    event.source_address.latitude = 0;
    event.source_address.longitude = 0;
    const mapped = mapOne(event);
    expect(mapped.spec.availability.destination).toMatchObject({
      description: 'Neighborhood: Jardim das Camélias | Reference: portão azul',
    });
    expect(mapped.spec.availability.destination.latitude).toBeUndefined();
    expect(mapped.spec.availability.origin.latitude).toBeUndefined();
  });

  describe('carrier_additional_information reaches the driver', () => {
    const none = {
      keep_prescription: false,
      thermolabile: false,
      pos_terminal_required: false,
      return_to_origin: false,
      observation: null,
    };
    const only = (flags: Record<string, unknown>, courierMustReturn = false) => {
      const event = withDelivery((d) => (d.carrier_additional_information = { ...none, ...flags }));
      event.courier_must_return = courierMustReturn;
      return mapOne(event).spec.job;
    };

    it('the seed example: every requirement in the comment, the card and the round trip', () => {
      expect(input.spec.job.job_comment).toBe(
        [
          "KEEP THE PRESCRIPTION: collect the customer's prescription at delivery",
          'THERMOLABILE: temperature-sensitive items, keep them in their required temperature range',
          'POS TERMINAL: bring the card machine and charge BRL 69.09 at the door',
          'RETURN TO ORIGIN: go back to the seller after the delivery with the retained prescription and the POS terminal',
          'Seller note: pegar maquina com Walmir no caixa',
          'Invoice example_invoice_number_1',
        ].join(' | '),
      );
      expect(input.spec.job.additional_card_info).toMatchObject({
        keep_prescription: 'yes',
        thermolabile: 'yes',
        pos_terminal_required: 'yes',
        return_to_origin: 'yes',
        courier_must_return: 'yes',
        observation: 'pegar maquina com Walmir no caixa',
      });
    });

    it('keep_prescription: a comment line and a card flag', () => {
      const job = only({ keep_prescription: true });
      expect(job.job_comment).toBe(
        "KEEP THE PRESCRIPTION: collect the customer's prescription at delivery | Invoice example_invoice_number_1",
      );
      expect(job.additional_card_info).toMatchObject({ keep_prescription: 'yes', thermolabile: 'no' });
      expect(job.round_trip_info).toBeUndefined();
    });

    it('thermolabile: a comment line and a card flag', () => {
      const job = only({ thermolabile: true });
      expect(job.job_comment).toMatch(/^THERMOLABILE: /);
      expect(job.additional_card_info).toMatchObject({ thermolabile: 'yes', keep_prescription: 'no' });
    });

    it('pos_terminal_required: the courier charges the order value by card at the door', () => {
      const job = only({ pos_terminal_required: true });
      expect(job.job_comment).toMatch(/^POS TERMINAL: bring the card machine and charge BRL 69.09 at the door/);
      expect(job.payment_info.payment).toMatchObject({
        method: 'CARD_ON_DELIVERY',
        payment_status: 'PENDING',
        value: 69.09,
        reference: 'example_carrier_payload_1',
      });
      expect(job.additional_card_info).toMatchObject({
        pos_terminal_required: 'yes',
        payment: 'charge BRL 69.09 by card (POS terminal)',
      });
    });

    it('without pos_terminal_required the order is paid to Abbiamo and nothing is collected', () => {
      const job = only({});
      expect(job.payment_info.payment).toMatchObject({ method: 'ONLINE', payment_status: 'PAID', value: 0 });
      expect(job.additional_card_info).toMatchObject({ payment: 'paid to Abbiamo (BRL 69.09)' });
      expect(job.job_comment).toBe('Invoice example_invoice_number_1');
    });

    it('return_to_origin: a round trip with the reason', () => {
      const job = only({ return_to_origin: true });
      expect(job.round_trip_info).toEqual({
        enabled: true,
        reason: 'Return to the seller after the delivery (return_to_origin)',
      });
      expect(job.job_comment).toMatch(/^RETURN TO ORIGIN: go back to the seller after the delivery \| /);
    });

    it("the event's courier_must_return: a round trip too, naming what to bring back", () => {
      const job = only({ pos_terminal_required: true }, true);
      expect(job.round_trip_info).toEqual({
        enabled: true,
        reason: 'Return to the seller after the delivery (courier_must_return): bring back the POS terminal',
      });
      expect(only({}, false).round_trip_info).toBeUndefined();
    });

    it('observation: verbatim in the comment and the card', () => {
      const job = only({ observation: '  tocar o interfone 2x ' });
      expect(job.job_comment).toBe('Seller note: tocar o interfone 2x | Invoice example_invoice_number_1');
      expect(job.additional_card_info).toMatchObject({ observation: 'tocar o interfone 2x' });
    });

    it('a missing carrier_additional_information asks for nothing', () => {
      const event = withDelivery((d) => (d.carrier_additional_information = null));
      event.courier_must_return = null;
      const job = mapOne(event).spec.job;
      expect(job.round_trip_info).toBeUndefined();
      expect(job.additional_card_info).not.toHaveProperty('thermolabile');
      expect(job.payment_info.payment.method).toBe('ONLINE');
    });
  });

  it('keeps invoice, tracking and order for the driver and the operator', () => {
    expect(input.spec.job.additional_card_info).toMatchObject({
      marketplace_order: 'example_carrier_payload_1',
      delivery_id: '851dc274-e090-4881-8f3c-5b660cecf059',
      tracking: 'a-vBGOS',
      invoice: 'example_invoice_number_1',
      invoice_access_key: '42081183123141000200550010000007010046403276',
      seller: 'Go Go Fruits',
      delivery_method: 'CARRIER_BRAND_NAME_D0 (D0)',
      dispatch_by: '14:00:00-03',
      deliver_by: '2022-12-22T23:59:00.000-03:00',
    });
    expect(input.context).toMatchObject({
      tracking: 'a-vBGOS',
      invoice: {
        number: 'example_invoice_number_1',
        accessKey: '42081183123141000200550010000007010046403276',
        createdAt: '2023-06-22T18:59:37.024Z',
      },
      seller: { id: 'eb064ede-08f3-470e-a37c-5b796a17cca8', name: 'Go Go Fruits' },
    });
  });

  describe('slot window and giveUpAt', () => {
    const at = (iso: string) => ({ ...options, now: new Date(iso) });
    const withDates = (expected: string | null, cutoff: string | null) => {
      const event = seedDeliveryRequest();
      event.carrier.expected_delivery_date = expected;
      event.carrier.max_dispatched_time = cutoff;
      return parse(event);
    };

    it('a promise already past (the seed, 2022) sends no window and tries creation for the grace period', () => {
      expect(input.spec.availability.window).toBeUndefined();
      expect(input.giveUpAt).toBe('2026-11-27T12:10:00.000Z');
    });

    it('runs from max_dispatched_time on the promised date (its own offset) to expected_delivery_date', () => {
      const mapped = mapAbbiamoDelivery(withDates('2026-11-27T23:59:00.000-03:00', '14:00:00-03'), 0, options);
      expect(mapped.spec.availability.window).toEqual({
        starts_at: '2026-11-27T17:00:00.000Z',
        ends_at: '2026-11-28T02:59:00.000Z',
      });
    });

    it("gives up creating at 25 of Abbiamo's 30 confirmation minutes, however late the promise", () => {
      const mapped = mapAbbiamoDelivery(withDates('2026-11-27T23:59:00.000-03:00', '14:00:00-03'), 0, options);
      expect(mapped.giveUpAt).toBe('2026-11-27T12:25:00.000Z');
    });

    it('follows a shorter confirmation timeout of the account, even below the grace period', () => {
      const short = { ...options, confirmationTimeoutMs: 6 * 60_000 };
      expect(mapAbbiamoDelivery(withDates(null, null), 0, short).giveUpAt).toBe('2026-11-27T12:05:00.000Z');
    });

    it('starts now when the dispatch cutoff is already past', () => {
      const mapped = mapAbbiamoDelivery(
        withDates('2026-11-27T23:59:00.000-03:00', '14:00:00-03'),
        0,
        at('2026-11-27T18:30:00.000Z'),
      );
      expect(mapped.spec.availability.window).toEqual({
        starts_at: '2026-11-27T18:30:00.000Z',
        ends_at: '2026-11-28T02:59:00.000Z',
      });
    });

    it('takes the previous day for a cutoff later in the day than the promise', () => {
      const mapped = mapAbbiamoDelivery(withDates('2026-11-29T12:00:00.000-03:00', '14:00:00-03'), 0, options);
      expect(mapped.spec.availability.window?.starts_at).toBe('2026-11-28T17:00:00.000Z');
    });

    it('reads a cutoff without offset in the offset of the promise', () => {
      const mapped = mapAbbiamoDelivery(withDates('2026-11-28T23:59:00.000-03:00', '09:30'), 0, options);
      expect(mapped.spec.availability.window?.starts_at).toBe('2026-11-28T12:30:00.000Z');
    });

    it('without a cutoff the window starts now; without a promise there is no window', () => {
      expect(
        mapAbbiamoDelivery(withDates('2026-11-27T23:59:00.000-03:00', null), 0, options).spec.availability.window
          ?.starts_at,
      ).toBe('2026-11-27T12:00:00.000Z');
      const open = mapAbbiamoDelivery(withDates(null, '14:00:00-03'), 0, options);
      expect(open.spec.availability.window).toBeUndefined();
      expect(open.giveUpAt).toBe('2026-11-27T12:10:00.000Z');
    });

    it('gives creation at least the grace period even when the promise ends sooner', () => {
      expect(mapAbbiamoDelivery(withDates('2026-11-27T09:05:00.000-03:00', null), 0, options).giveUpAt).toBe(
        '2026-11-27T12:10:00.000Z',
      );
    });

    it('refuses an impossible cutoff with its path, once for the whole event', () => {
      const event = seedDeliveryRequest();
      event.carrier.expected_delivery_date = '2026-11-28T23:59:00.000-03:00';
      event.carrier.max_dispatched_time = '25:00:00-03';
      expect(DeliveryRequestEvent.safeParse(event).error?.issues.map((i) => i.path.join('.'))).toEqual([
        'carrier.max_dispatched_time',
      ]);
      // Past the schema (a lenient caller), the mapping says the same, once for all deliveries.
      const lenient = DeliveryRequestEvent.parse({
        ...event,
        carrier: { ...event.carrier, max_dispatched_time: '14:00:00-03' },
      });
      lenient.carrier.max_dispatched_time = '25:00:00-03';
      lenient.deliveries.push({ ...lenient.deliveries[0]!, delivery_id: 'second' });
      expect(mappingErrorOf(() => mapAbbiamoEvent(lenient, options))).toEqual([
        { path: 'carrier.max_dispatched_time', message: expect.stringContaining('is not a time of day') },
      ]);
    });
  });

  describe('routes', () => {
    it('with make_route, routeId and routeName go into the input and the driver card', () => {
      const mapped = mapOne(seedRouteDeliveryRequest());
      expect(mapped.routeId).toBe('7ed34417-b51f-4d98-bec8-3ccb41290575');
      expect(mapped.routeName).toBe('GPT-2LkRo');
      expect(mapped.spec.job.additional_card_info).toMatchObject({
        route: 'GPT-2LkRo (7ed34417-b51f-4d98-bec8-3ccb41290575)',
      });
      // The second example has courier_must_return false: only return_to_origin asks for the round trip.
      expect(mapped.spec.job.round_trip_info?.reason).toMatch(
        /^Return to the seller after the delivery \(return_to_origin\)/,
      );
    });

    it('without make_route, a route_id sent anyway is ignored', () => {
      const event = seedDeliveryRequest();
      event.route_id = 'stray-route';
      const mapped = mapOne(event);
      expect(mapped.routeId).toBeUndefined();
      expect(mapped.spec.job.additional_card_info).not.toHaveProperty('route');
    });
  });

  it('asks the workflow for no confirmation margin: Abbiamo has no confirmation window', () => {
    expect(input.tuning).toEqual({ confirmationMarginMs: 0 });
  });
});

describe('malformed DELIVERY_REQUEST events', () => {
  const pathsOf = (body: unknown) => {
    const result = DeliveryRequestEvent.safeParse(body);
    return result.success ? [] : fieldErrors(result.error).map((e) => e.path);
  };

  it('names every wrong field by its path', () => {
    const event = seedDeliveryRequest();
    event.deliveries[0].amount = 69.09;
    event.deliveries[0].volumes = [];
    delete event.deliveries[0].customer.name;
    event.source_address.latitude = 123;
    expect(pathsOf(event).sort()).toEqual([
      'deliveries.0.amount',
      'deliveries.0.customer.name',
      'deliveries.0.volumes',
      'source_address.latitude',
    ]);
  });

  it('checks the event-level rules even when fields are wrong too, so one answer lists everything', () => {
    const event = seedRouteDeliveryRequest();
    event.route_id = null;
    event.deliveries.push(JSON.parse(JSON.stringify(event.deliveries[0])));
    delete event.deliveries[0].customer.name;
    expect(pathsOf(event).sort()).toEqual(['deliveries.0.customer.name', 'deliveries.1.delivery_id', 'route_id']);
    expect(pathsOf({ event_type: 'DELIVERY_REQUEST', make_route: true, deliveries: 'not a list' })).toEqual(
      expect.arrayContaining(['route_id', 'deliveries']),
    );
  });

  it('refuses an event without deliveries, a route without route_id and a repeated delivery_id', () => {
    expect(pathsOf({ ...seedDeliveryRequest(), deliveries: [] })).toEqual(['deliveries']);
    expect(pathsOf({ ...seedRouteDeliveryRequest(), route_id: null })).toEqual(['route_id']);
    const twice = seedDeliveryRequest();
    twice.deliveries.push(JSON.parse(JSON.stringify(twice.deliveries[0])));
    expect(pathsOf(twice)).toEqual(['deliveries.1.delivery_id']);
  });

  it('refuses a delivery_id that cannot be part of a workflow id', () => {
    expect(pathsOf(withDelivery((d) => (d.delivery_id = 'has spaces/and slashes')))).toEqual([
      'deliveries.0.delivery_id',
    ]);
  });

  it('refuses callback headers an HTTP client cannot send, without echoing their values', () => {
    const event = seedDeliveryRequest();
    event.logistic_data.headers = {
      Authorization: 'Bearer a\r\nX-Injected: 1',
      'Bad Name': 'x',
      Host: 'evil.example',
      authorization: 'dup',
    };
    const result = DeliveryRequestEvent.safeParse(event);
    const errors = result.success ? [] : fieldErrors(result.error);
    expect(errors.map((e) => e.path).sort()).toEqual([
      'logistic_data.headers.Authorization',
      'logistic_data.headers.Bad Name',
      'logistic_data.headers.Host',
      'logistic_data.headers.authorization',
    ]);
    expect(JSON.stringify(errors)).not.toContain('X-Injected');
    expect(JSON.stringify(errors)).not.toContain('evil.example');
  });

  it('accepts a Content-Type among the callback headers and no headers at all', () => {
    const event = seedDeliveryRequest();
    event.logistic_data.headers = { 'Content-Type': 'application/json', 'X-Api-Key': 'k' };
    expect(pathsOf(event)).toEqual([]);
    event.logistic_data.headers = {};
    expect(pathsOf(event)).toEqual([]);
  });

  describe('pickup verification (logistic_data.pickup_verification)', () => {
    const withPincode = (verification: unknown) => {
      const event = seedDeliveryRequest();
      event.logistic_data.pickup_verification = verification;
      return event;
    };

    it('carrier-owned: our code goes to the engine job (pick_up_code) and to the report target', () => {
      const mapped = mapOne(withPincode({ pincode: true, pincode_owner: 'carrier' }));
      const code = 'code-of-851dc274-e090-4881-8f3c-5b660cecf059';
      expect(mapped.spec.job.pick_up_code).toBe(code);
      expect(mapped.report).toMatchObject({ pickupCode: code });
    });

    it("abbiamo-owned: Abbiamo's code is shown to the driver, and nothing is sent back", () => {
      const mapped = mapOne(withPincode({ pincode: true, pincode_owner: 'abbiamo', pincode_value: '4821' }));
      expect(mapped.spec.job.pick_up_code).toBe('4821');
      expect(mapped.report).not.toHaveProperty('pickupCode');
    });

    it('no pincode: no code anywhere', () => {
      const mapped = mapOne(withPincode({ pincode: false }));
      expect(mapped.spec.job.pick_up_code).toBeUndefined();
      expect(mapped.report).not.toHaveProperty('pickupCode');
    });

    it('refuses a pincode without owner, or an abbiamo pincode without its 4-digit value, with the paths', () => {
      const paths = (v: unknown) =>
        DeliveryRequestEvent.safeParse(withPincode(v)).error?.issues.map((i) => i.path.join('.'));
      expect(paths({ pincode: true })).toEqual(['logistic_data.pickup_verification.pincode_owner']);
      expect(paths({ pincode: true, pincode_owner: 'abbiamo' })).toEqual([
        'logistic_data.pickup_verification.pincode_value',
      ]);
      expect(paths({ pincode: true, pincode_owner: 'abbiamo', pincode_value: '12a4' })).toEqual([
        'logistic_data.pickup_verification.pincode_value',
      ]);
    });
  });

  describe('bounds of every field (nothing over Temporal limits reaches a workflow)', () => {
    const pathsOf = (event: unknown) =>
      DeliveryRequestEvent.safeParse(event).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

    it('bounds ids, texts and arrays, naming each field', () => {
      const event = seedDeliveryRequest();
      event.deliveries[0].order_number = 'x'.repeat(129);
      event.deliveries[0].customer.name = 'y'.repeat(201);
      event.deliveries[0].carrier_additional_information.observation = 'z'.repeat(2001);
      event.deliveries[0].volumes = Array.from({ length: 201 }, (_, i) => ({ id: `v${i}` }));
      const paths = pathsOf(event)!;
      expect(paths).toEqual(
        expect.arrayContaining([
          'deliveries.0.order_number: must be at most 128 characters',
          'deliveries.0.customer.name: must be at most 200 characters',
          'deliveries.0.carrier_additional_information.observation: must be at most 2000 characters',
          'deliveries.0.volumes: at most 200 volumes',
        ]),
      );
    });

    it('bounds the event arrays: deliveries and seller contacts', () => {
      const event = seedDeliveryRequest();
      event.seller.seller_contacts = Array.from({ length: 21 }, () => ({ name: 'n' }));
      event.deliveries = Array.from({ length: 101 }, (_, i) => ({ ...event.deliveries[0], delivery_id: `d-${i}` }));
      expect(pathsOf(event)!.sort()).toEqual([
        'deliveries: at most 100 deliveries per event',
        'seller.seller_contacts: at most 20 contacts',
      ]);
    });

    it('range-checks numbers, dates and coordinates', () => {
      const event = seedDeliveryRequest();
      event.deliveries[0].amount = 1e15;
      event.deliveries[0].volumes[0].weight = 1e12;
      event.deliveries[0].destination_address.latitude = 91;
      event.source_address.longitude = -181;
      event.carrier.expected_delivery_date = '9999-12-31T23:59:00.000Z';
      event.deliveries[0].invoice_created_at = '1970-01-01T00:00:00.000Z';
      expect(
        pathsOf(event)!
          .map((p) => p.split(':')[0])
          .sort(),
      ).toEqual([
        'carrier.expected_delivery_date',
        'deliveries.0.amount',
        'deliveries.0.destination_address.latitude',
        'deliveries.0.invoice_created_at',
        'deliveries.0.volumes.0.weight',
        'source_address.longitude',
      ]);
    });

    it('bounds the headers: count, size of each value, total size', () => {
      const event = seedDeliveryRequest();
      event.logistic_data.headers = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
      expect(pathsOf(event)).toEqual(['logistic_data.headers: at most 20 headers']);
      event.logistic_data.headers = {
        A: 'a'.repeat(4000),
        B: 'b'.repeat(4000),
        C: 'c'.repeat(4000),
        D: 'd'.repeat(4000),
        E: 'e'.repeat(1000),
      };
      expect(pathsOf(event)).toEqual(['logistic_data.headers: at most 16384 characters of headers in all']);
    });

    it('refuses a __proto__ header by name instead of dropping it silently', () => {
      const event = JSON.parse(
        JSON.stringify(seedDeliveryRequest()).replace('"Authorization"', '"__proto__": "x", "Authorization"'),
      );
      expect(pathsOf(event)).toEqual(['logistic_data.headers.__proto__: is not a header name we can forward']);
    });

    it('looks up nothing on the prototype: a field named like an Object method is just an unknown field', () => {
      const event = JSON.parse(
        JSON.stringify(seedDeliveryRequest()).replace('"volumes"', '"constructor": 1, "volumes"'),
      );
      expect(pathsOf(event)).toBeUndefined();
      expect(() => mapOne(event)).not.toThrow();
    });
  });
});
