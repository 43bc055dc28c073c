import example from '../../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest } from '../../contracts/vtex';
import { availabilityRequest } from '../../activities/clients/deliveryEngine';
import { RateCard } from '../../contracts/rateCard';
import { AvailabilityRequest, CreateJobRequest } from '../../contracts/deliveryEngine';
import { MappingError } from '../../mapping/errors';
import { vtexServiceId } from '../../mapping/ids';
import { mapVtexCreateService } from '../../mapping/vtexToJob';

const now = new Date('2026-11-27T12:00:00.000Z');
const options = { now, creationGraceMs: 600_000 };
const parse = (body: unknown) => CreateServiceRequest.parse(body);
const clone = () => JSON.parse(JSON.stringify(example)) as Record<string, any>;

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

describe('VTEX Create service to a Delivery Engine job', () => {
  const input = mapVtexCreateService(parse(example), options);

  it('accepts VTEX own example (no zipCode, extra orderValue) and keeps the extra field', () => {
    const parsed = parse(example);
    expect((parsed as Record<string, unknown>).orderValue).toBe(8000);
  });

  it('produces an availability request and a job body the engine schema accepts', () => {
    expect(
      AvailabilityRequest.safeParse(availabilityRequest(input.spec.availability, SETTINGS, Date.now())).success,
    ).toBe(true);
    const body = {
      ...input.spec.job,
      slot_id: 's',
      client_reference: input.spec.clientReference,
      external_data: { webhook: { URL: 'http://127.0.0.1/x', key: 'k' } },
    };
    expect(CreateJobRequest.safeParse(body).error?.issues).toBeUndefined();
  });

  it('derives the serviceId from carrierId and orderId, and uses it as client_reference (unique per delivery)', () => {
    expect(input.serviceId).toBe(vtexServiceId('servientrega-50461c9f3335', 'SLR-29384924-01'));
    expect(input.spec.clientReference).toBe(input.serviceId);
    expect(input.report).toEqual({
      platform: 'vtex',
      carrierId: 'servientrega-50461c9f3335',
      serviceId: input.serviceId,
    });
  });

  it('maps the receiver to the recipient and to the destination, the sender to the origin', () => {
    expect(input.spec.job.recipient).toEqual({
      name: 'Pansy Graves',
      phone_number: '+57 4240807147',
      email: 'pansy_graves@zentime.moda',
      wants_to_receive_notifications: true,
      identification: { number: '9541933267', type: 'DOCUMENT' },
    });
    expect(input.spec.availability.destination).toEqual({
      name: 'Pansy Graves',
      address: '63 Billings Place, Valle, Marshall Islands 9840',
      address_two: 'In excepteur in Lorem id eu et id.',
      description: 'Neighborhood: Billings | Reference: 65C',
      city: 'Valle',
      state: 'Marshall Islands',
      country: 'Iceland',
      latitude: -33.249891,
      longitude: -135.052901,
    });
    expect(input.spec.availability.origin.address).toBe(
      '77 Sullivan Place, Jenkinsville, Northern Mariana Islands 1029',
    );
  });

  it('swaps origin and destination for a RETURN', () => {
    const body = clone();
    body.type = 'RETURN';
    const ret = mapVtexCreateService(parse(body), options);
    expect(ret.spec.availability.origin.name).toBe('Pansy Graves');
    expect(ret.spec.availability.destination.name).toBe('Tabitha Sears');
  });

  it('flattens package items with weights normalised to kg per unit and the package they travel in', () => {
    expect(input.spec.availability.job_items).toEqual([
      {
        id: '6266df71a19ebe35637e1f42',
        name: 'Celular nokia AD1',
        quantity: 4,
        price: 774230.01,
        unit: 'unit',
        barcodes: ['473390795673'],
        weight: 4,
      },
      {
        id: '6266df71803601c3bc4e2d99',
        name: 'Celular nokia AD2',
        quantity: 9,
        price: 23162,
        unit: 'unit',
        barcodes: ['329949764612'],
        weight: 14,
      },
    ]);
    expect(input.spec.job.additional_card_info).toMatchObject({
      'package 6266df719ac55224b793ad36': 'Grande, 68x43x13 cm, 19 kg, Paquete delicado',
    });
  });

  it('turns a package without items into one item carrying its weight and dimensions', () => {
    const body = clone();
    delete body.packages[0].items;
    body.packages[0].weight = '1500 g';
    const mapped = mapVtexCreateService(parse(body), options);
    expect(mapped.spec.availability.job_items).toEqual([
      {
        id: '6266df719ac55224b793ad36',
        name: 'Paquete delicado',
        quantity: 1,
        unit: 'unit',
        weight: 1.5,
        volume: 38012,
        price: 5616.01,
      },
    ]);
  });

  it.each([
    ['CASH_ON_DELIVERY', 'CASH', 'PENDING', 8000],
    ['PIN_PAD', 'CARD_ON_DELIVERY', 'PENDING', 8000],
    ['ONLINE', 'ONLINE', 'PAID', 0],
  ])(
    'maps paymentMethod %s to payment method %s (%s), collecting %d at the door',
    (method, engineMethod, status, collect) => {
      const body = clone();
      body.paymentMethod = method;
      const payment = mapVtexCreateService(parse(body), options).spec.job.payment_info;
      expect(payment.payment).toMatchObject({
        method: engineMethod,
        payment_status: status,
        value: collect,
        reference: 'SLR-29384924-01',
      });
      expect(payment.prices).toEqual({ order_value: 8000, shipping_fee: 0, taxes: 0, discounts: 0, subtotal: 8000 });
      expect(payment.currency_code).toBe('BRL');
    },
  );

  it('takes the currency from a `currency` setting, else from the sender country', () => {
    const body = clone();
    body.settings.push({ label: 'Moneda', value: 'cop', key: 'currency' });
    expect(mapVtexCreateService(parse(body), options).spec.job.payment_info.currency_code).toBe('COP');
    body.settings = null;
    body.sender.country = 'Atlantis';
    expect(mapVtexCreateService(parse(body), options).spec.job.payment_info.currency_code).toBe('USD');
  });

  it('values the order from orderValue, else the packages, else the items', () => {
    const body = clone();
    delete body.orderValue;
    expect(mapVtexCreateService(parse(body), options).spec.job.payment_info.prices.order_value).toBe(5616.01);
    delete body.packages[0].totalValue;
    expect(mapVtexCreateService(parse(body), options).spec.job.payment_info.prices.order_value).toBe(
      774230.01 * 4 + 23162 * 9,
    );
  });

  it('puts comments and the contact name in job_comment', () => {
    expect(input.spec.job.job_comment).toBe('Consectetur ex dolor adipisicing proident. | Contact: Savannah Porter');
  });

  it('keeps settings (secret-looking values redacted) and the timezone for operators, never for the driver', () => {
    expect(input.context).toMatchObject({
      timezone: { offset: 300, value: 'America/Bogota' },
      settings: [{ key: 'secrekey', label: 'Clave secreta', value: '[redacted]' }],
    });
    expect(JSON.stringify(input.spec)).not.toContain('keysecret-0122');
    expect(input.spec.job.additional_card_info?.timezone).toBe('America/Bogota (offset 300)');
  });

  it('asks for the receiver window when it is still ahead, and tries at least the grace period', () => {
    // The example's window (2022) is over: no window is sent, creation is tried for the grace.
    expect(input.spec.availability.window).toBeUndefined();
    expect(input.giveUpAt).toBe('2026-11-27T12:10:00.000Z');
    const body = clone();
    body.receiver.deliveryWindow = {
      name: 'tarde',
      initialDate: '2026-11-27T18:00:00.000Z',
      finalDate: '2026-11-27T21:00:00.000Z',
    };
    const later = mapVtexCreateService(parse(body), options);
    expect(later.spec.availability.window).toEqual({
      starts_at: '2026-11-27T18:00:00.000Z',
      ends_at: '2026-11-27T21:00:00.000Z',
    });
    expect(later.giveUpAt).toBe('2026-11-27T21:00:00.000Z');
  });

  it('falls back to the sender phone, with a note for the driver, and refuses a body with no phone at all', () => {
    const body = clone();
    delete body.receiver.phone;
    const mapped = mapVtexCreateService(parse(body), options);
    expect(mapped.spec.job.recipient.phone_number).toBe('+57 2305781612');
    expect(mapped.spec.job.job_comment).toContain('Recipient phone missing');
    delete body.sender.phone;
    expect(() => mapVtexCreateService(parse(body), options)).toThrow(MappingError);
  });

  it('refuses an unreadable weight with the path of the field', () => {
    const body = clone();
    body.packages[0].items[1].weight = 'a lot';
    expect(() => mapVtexCreateService(parse(body), options)).toThrow(
      'packages.0.items.1.weight: "a lot" is not a weight',
    );
  });
});
