/**
 * VTEX's Create service as its published OpenAPI describes it (contracts/examples/
 * vtex.create-service.openapi.json): accepted and mapped, with every value its enums list.
 */
import openApiExample from '../../contracts/examples/vtex.create-service.openapi.json';
import seedExample from '../../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest, KNOWN_CARRIER_SERVICE_TYPES, SERVICE_TYPES } from '../../contracts/vtex';
import { availabilityRequest } from '../../activities/clients/deliveryEngine';
import { AvailabilityRequest, CreateJobRequest } from '../../contracts/deliveryEngine';
import { RateCard } from '../../contracts/rateCard';
import { MappingError } from '../../mapping/errors';
import { mapVtexCreateService } from '../../mapping/vtexToJob';

const now = new Date('2026-11-27T12:00:00.000Z');
const options = { now, creationGraceMs: 600_000 };
const openApi = () => JSON.parse(JSON.stringify(openApiExample)) as Record<string, any>;
const map = (body: unknown) => mapVtexCreateService(CreateServiceRequest.parse(body), options);

/** The carrier's engine settings, as configuration gives them (their values do not matter here). */
const SETTINGS = {
  storeReference: 'store-main',
  sellerStores: {},
  operationalModels: ['FULL_SERVICE'],
  slotSizeMinutes: 60,
  rateCard: RateCard.parse({
    currency: 'USD',
    default: { base_fee: 500, per_km: [{ up_to: null, cents_each: 100 }], per_kg: [{ up_to: null, cents_each: 0 }] },
  }),
};

function engineAccepts(input: ReturnType<typeof map>): void {
  const availability = availabilityRequest(input.spec.availability, SETTINGS, now.getTime());
  expect(AvailabilityRequest.safeParse(availability).error?.issues).toBeUndefined();
  const job = {
    ...input.spec.job,
    slot_id: 's',
    client_reference: input.spec.clientReference,
    external_data: { webhook: { key: 'k', service_id: input.serviceId } },
  };
  expect(CreateJobRequest.safeParse(job).error?.issues).toBeUndefined();
}

describe("VTEX's OpenAPI Create service example", () => {
  it('is accepted, and the receiver is placed by its reference (it has no address)', () => {
    const input = map(openApi());
    engineAccepts(input);
    expect(input.spec.availability.destination).toEqual({
      name: 'Pansy Graves',
      address: '63 Billings Place, Valle, Marshall Islands 9840',
      address_two: 'Flat 45',
      // Instaleap's address has no neighbourhood: it travels in what the driver reads.
      description: 'Neighborhood: Billings',
      city: 'Valle',
      state: 'Marshall Islands',
      country: 'Iceland',
      latitude: -33.249891,
      longitude: -135.052901,
    });
    // The sender has an address and a reference: the reference helps the driver find it.
    expect(input.spec.availability.origin).toMatchObject({
      address: '77 Sullivan Place, Jenkinsville, Northern Mariana Islands 1029',
      description: 'Reference: 3',
    });
    expect(input.spec.job.payment_info.currency_code).toBe('USD');
    expect(input.attention).toBeUndefined();
  });

  it("keeps VTEX's guide's example working as before", () => {
    const input = map(seedExample);
    engineAccepts(input);
    expect(input.spec.availability.destination.address).toBe('63 Billings Place, Valle, Marshall Islands 9840');
    expect(input.spec.availability.destination.description).toBe('Neighborhood: Billings | Reference: 65C');
  });
});

describe('every value VTEX lists', () => {
  it.each(SERVICE_TYPES)('takes type %s', (type) => {
    const input = map({ ...openApi(), type });
    engineAccepts(input);
    expect(input.context?.type).toBe(type);
  });

  it('takes a TRANSFER from the sending store (sender) to the receiving store (receiver)', () => {
    const input = map({ ...openApi(), type: 'TRANSFER' });
    expect(input.spec.availability.origin.name).toBe('Tabitha Sears');
    expect(input.spec.availability.destination.name).toBe('Pansy Graves');
    expect(input.spec.job.job_comment).toMatch(/^Store-to-store transfer/);
    expect(input.spec.job.additional_card_info?.vtex_service_type).toBe('TRANSFER / OTHERS');
  });

  it('still swaps origin and destination for a RETURN only', () => {
    const input = map({ ...openApi(), type: 'RETURN' });
    expect(input.spec.availability.origin.name).toBe('Pansy Graves');
    expect(input.spec.availability.destination.name).toBe('Tabitha Sears');
  });

  it('takes a body without type as a DELIVERY', () => {
    const body = openApi();
    delete body.type;
    expect(map(body).context?.type).toBe('DELIVERY');
  });

  it.each([...KNOWN_CARRIER_SERVICE_TYPES, 'SAME_DAY_BIKE'])(
    'takes carrierServiceType %s as data, shown on the card',
    (carrierServiceType) => {
      const input = map({ ...openApi(), carrierServiceType });
      expect(input.context?.carrierServiceType).toBe(carrierServiceType);
      expect(input.spec.job.additional_card_info?.vtex_service_type).toBe(`PICKUP_DELIVERY / ${carrierServiceType}`);
    },
  );

  it.each([
    ['ONLINE', 'ONLINE', 'PAID', 0],
    ['CASH_ON_DELIVERY', 'CASH', 'PENDING', 8000],
    ['PIN_PAD', 'CARD_ON_DELIVERY', 'PENDING', 8000],
  ])('settles the known payment method %s', (paymentMethod, method, status, value) => {
    const input = map({ ...openApi(), paymentMethod });
    expect(input.spec.job.payment_info.payment).toMatchObject({ method, payment_status: status, value });
    expect(input.attention).toBeUndefined();
  });

  it.each([
    ['PIX', '"PIX"'],
    ['CREDIT_CARD', '"CREDIT_CARD"'],
    [undefined, '(none given)'],
  ])(
    'takes the unknown payment method %s: never as paid, the raw method on the card, flagged',
    (paymentMethod, shown) => {
      const body = { ...openApi(), paymentMethod };
      if (paymentMethod === undefined) delete body.paymentMethod;
      const input = map(body);
      engineAccepts(input);
      expect(input.spec.job.payment_info.payment).toMatchObject({
        method: 'UNKNOWN',
        payment_status: 'PENDING',
        value: 8000,
        method_details: `VTEX paymentMethod ${shown}`,
      });
      expect(input.spec.job.additional_card_info?.payment).toBe(
        `${shown}: unknown method, not known to be paid; ask the operator`,
      );
      expect(input.attention).toBe(`Unknown VTEX paymentMethod ${shown}: check how the order is paid`);
    },
  );
});

describe("where the engine's destination comes from", () => {
  const receiver = (fields: Record<string, unknown>) => {
    const body = openApi();
    for (const key of ['address', 'reference', 'number', 'location', 'city', 'state', 'country'])
      delete body.receiver[key];
    Object.assign(body.receiver, fields);
    return body;
  };

  it('an address (with its number)', () => {
    const input = map(receiver({ address: 'Rua Augusta 10', city: 'São Paulo', state: 'SP', country: 'BR' }));
    expect(input.spec.availability.destination).toMatchObject({ address: 'Rua Augusta 10', city: 'São Paulo' });
    expect(input.spec.availability.destination.latitude).toBeUndefined();
  });

  it('a reference alone', () => {
    const input = map(receiver({ reference: 'Behind the church', number: '12', city: 'Valle' }));
    expect(input.spec.availability.destination).toMatchObject({ address: 'Behind the church 12', city: 'Valle' });
    // The reference is the address itself: only the neighbourhood is left to describe.
    expect(input.spec.availability.destination.description).toBe('Neighborhood: Billings');
  });

  it('coordinates with a city', () => {
    const input = map(receiver({ location: { latitude: -23.5, longitude: -46.6 }, city: 'São Paulo' }));
    expect(input.spec.availability.destination).toMatchObject({
      address: '-23.5, -46.6',
      latitude: -23.5,
      longitude: -46.6,
      city: 'São Paulo',
    });
  });

  it('city, state and country from the sender when the receiver lacks them', () => {
    const input = map(receiver({ address: '63 Billings Place' }));
    expect(input.spec.availability.destination).toMatchObject({
      city: 'Jenkinsville',
      state: 'Northern Mariana Islands',
      country: 'US',
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['nothing at all', { city: 'Valle' }, 'receiver'],
    ['half a location', { location: { latitude: -23.5, longitude: null }, city: 'Valle' }, 'receiver'],
    ['blank address and reference', { address: '  ', reference: '', city: 'Valle' }, 'receiver'],
  ])('400 when nothing places it: %s', (_name, fields, path) => {
    expect(() => map(receiver(fields))).toThrow(MappingError);
    try {
      map(receiver(fields));
    } catch (err) {
      expect((err as MappingError).path).toBe(path);
    }
  });

  it('400 naming the city when neither party has one', () => {
    const body = receiver({ address: '63 Billings Place' });
    delete body.sender.city;
    // The sender is placed first: its city is the one named.
    expect(() => map(body)).toThrow(expect.objectContaining({ path: 'sender.city' }));
  });
});
