/**
 * VTEX Create service bodies built to hurt: every one is refused at the edge with the path of the
 * field, or taken safely (never past Temporal's limits, never a prototype key as data).
 */
import example from '../../contracts/examples/vtex.create-service.json';
import { fieldErrors } from '../../contracts/common';
import { CreateServiceRequest, VTEX_LIMITS } from '../../contracts/vtex';
import { MappingError } from '../../mapping/errors';
import { mapVtexCreateService } from '../../mapping/vtexToJob';

const now = new Date('2026-11-27T12:00:00.000Z');
const options = { now, creationGraceMs: 600_000 };
const clone = () => JSON.parse(JSON.stringify(example)) as Record<string, any>;

/** The paths a body is refused with, by the schema or by the mapping; [] when it is taken. */
function refusedPaths(body: unknown): string[] {
  const parsed = CreateServiceRequest.safeParse(body);
  if (!parsed.success) return fieldErrors(parsed.error).map((e) => e.path);
  try {
    mapVtexCreateService(parsed.data, options);
    return [];
  } catch (err) {
    if (err instanceof MappingError) return [err.path];
    throw err;
  }
}

describe('VTEX Create service: hostile bodies', () => {
  it.each<[string, (b: Record<string, any>) => void, string]>([
    ['an orderId over the id limit', (b) => (b.orderId = 'A'.repeat(VTEX_LIMITS.idChars + 1)), 'orderId'],
    ['an orderId with a slash', (b) => (b.orderId = 'SLR/../1'), 'orderId'],
    ['a carrierId of two dots', (b) => (b.carrierId = '..'), 'carrierId'],
    ['a carrierId of one dot', (b) => (b.carrierId = '.'), 'carrierId'],
    ['a carrierId with a path', (b) => (b.carrierId = 'a/../b'), 'carrierId'],
    ['a receiver name of 100,000 characters', (b) => (b.receiver.name = 'x'.repeat(100_000)), 'receiver.name'],
    ['comments over the limit', (b) => (b.comments = 'x'.repeat(VTEX_LIMITS.commentChars + 1)), 'comments'],
    ['a control character in a city', (b) => (b.receiver.city = 'Valle\u0000'), 'receiver.city'],
    [
      'more packages than the limit',
      (b) => (b.packages = Array.from({ length: VTEX_LIMITS.packages + 1 }, () => b.packages[0])),
      'packages',
    ],
    [
      'more items in a package than the limit',
      (b) =>
        (b.packages[0].items = Array.from({ length: VTEX_LIMITS.itemsPerPackage + 1 }, () => b.packages[0].items[0])),
      'packages.0.items',
    ],
    [
      'more items across packages than the limit',
      (b) => {
        const pkg = { ...b.packages[0], items: Array.from({ length: 200 }, () => b.packages[0].items[0]) };
        b.packages = [pkg, pkg, pkg];
      },
      'packages',
    ],
    ['too many settings', (b) => (b.settings = Array.from({ length: 51 }, () => b.settings[0])), 'settings'],
    ['a latitude beyond 90', (b) => (b.receiver.location.latitude = 91), 'receiver.location.latitude'],
    ['a longitude beyond -180', (b) => (b.sender.location.longitude = -180.5), 'sender.location.longitude'],
    ['a negative price', (b) => (b.packages[0].items[0].price = -1), 'packages.0.items.0.price'],
    ['a negative package value', (b) => (b.packages[0].totalValue = -5), 'packages.0.totalValue'],
    ['a negative order value', (b) => (b.orderValue = -8000), 'orderValue'],
    ['a quantity of a billion', (b) => (b.packages[0].items[0].quantity = 1e9), 'packages.0.items.0.quantity'],
    ['a negative weight', (b) => (b.packages[0].items[0].weight = '-4 kg'), 'packages.0.items.0.weight'],
    ['a weight of a 100,000 spaces', (b) => (b.packages[0].weight = `1${' '.repeat(100_000)}!`), 'packages.0.weight'],
    [
      'a delivery window in year 9999',
      (b) =>
        (b.receiver.deliveryWindow = {
          initialDate: '9999-01-01T10:00:00.000Z',
          finalDate: '9999-01-01T12:00:00.000Z',
        }),
      'receiver.deliveryWindow.finalDate',
    ],
    [
      'a delivery date in year 9999',
      (b) => (b.receiver.deliveryDate = '9999-12-31T00:00:00.000Z'),
      'receiver.deliveryDate',
    ],
  ])('refuses %s, naming the field', (_name, mutate, path) => {
    const body = clone();
    mutate(body);
    expect(refusedPaths(body)).toContain(path);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses a sender country %j at the edge, naming the field',
    (country) => {
      const body = clone();
      body.sender.country = country;
      expect(refusedPaths(body)).toContain('sender.country');
    },
  );

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'maps a country %j that got past the edge to no country with a currency (own keys only)',
    (country) => {
      const parsed = CreateServiceRequest.parse(clone());
      parsed.sender.country = country;
      parsed.receiver.country = country;
      const input = mapVtexCreateService(parsed, options);
      expect(input.spec.job.payment_info.currency_code).toBe('USD');
    },
  );

  it('takes a payment method named like a prototype key as an unknown method, never as paid', () => {
    const body = clone();
    body.paymentMethod = 'constructor';
    const input = mapVtexCreateService(CreateServiceRequest.parse(body), options);
    expect(input.spec.job.payment_info.payment.payment_status).not.toBe('PAID');
    expect(input.attention).toMatch(/constructor/);
  });

  it('keeps a whole delivery at the limits well under Temporal payload limits', () => {
    const body = clone();
    const long = (n: number) => 'x'.repeat(n);
    const item = {
      ...body.packages[0].items[0],
      id: long(VTEX_LIMITS.idChars),
      name: long(VTEX_LIMITS.nameChars),
      image: long(VTEX_LIMITS.urlChars),
    };
    body.packages = Array.from({ length: 5 }, (_, p) => ({
      ...body.packages[0],
      id: `p${p}${long(VTEX_LIMITS.idChars - 3)}`,
      description: long(VTEX_LIMITS.commentChars),
      items: Array.from({ length: 100 }, () => item),
    }));
    body.comments = long(VTEX_LIMITS.commentChars);
    const input = mapVtexCreateService(CreateServiceRequest.parse(body), options);
    expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(VTEX_LIMITS.deliveryInputBytes);
  });

  it('refuses a body whose mapped delivery would pass the input limit, naming the body', () => {
    // Within every per-field bound, but three bytes a character: the whole is what is too large.
    const body = clone();
    const wide = (n: number) => '配'.repeat(n);
    body.packages = Array.from({ length: VTEX_LIMITS.packages }, (_, p) => ({
      id: `p${p}`,
      envelope: wide(VTEX_LIMITS.nameChars),
      description: wide(VTEX_LIMITS.commentChars),
      weight: '1',
      items: Array.from({ length: VTEX_LIMITS.items / VTEX_LIMITS.packages }, (_, i) => ({
        id: `i${p}-${i}`,
        name: wide(VTEX_LIMITS.nameChars),
        quantity: 1,
      })),
    }));
    body.settings = Array.from({ length: VTEX_LIMITS.settings }, (_, i) => ({
      key: `k${i}`,
      label: wide(VTEX_LIMITS.nameChars),
      value: wide(VTEX_LIMITS.settingValueChars),
    }));
    expect(refusedPaths(body)).toEqual(['(body)']);
  });
});
