/** The rate quote's pure parts: the cache key of a cart, a slot as VTEX's rate, and a refusal as VTEX's answer. */
import { ApplicationFailure } from '@temporalio/common';
import type { SlotClient } from '../../activities/clients/deliveryEngine';
import { FailureType } from '../../activities/failures';
import { HttpError } from '../../api/errors';
import type { Logger } from '../../observability/logger';
import example from '../../contracts/examples/vtex.create-service.openapi.json';
import { CreateServiceRequest } from '../../contracts/vtex';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { toCents, vtexRateAnswer } from '../../mapping/vtexRate';
import { quoteKey, RateQuoter } from '../../api/rates';

const now = new Date('2026-11-27T12:00:00.000Z');
const map = (body: unknown) =>
  mapVtexCreateService(CreateServiceRequest.parse(body), { now, creationGraceMs: 600_000 });
const clone = () => JSON.parse(JSON.stringify(example)) as Record<string, any>;

describe('the cache key of a quote', () => {
  it('is the same for the same cart, whatever the order of its keys and whatever the engine does not price', () => {
    const reordered = Object.fromEntries(Object.entries(clone()).reverse());
    reordered.receiver = Object.fromEntries(Object.entries(reordered.receiver as object).reverse());
    const other = { ...clone(), orderId: 'ANOTHER-ORDER-01', comments: 'other comments', paymentMethod: 'ONLINE' };
    expect(quoteKey(map(reordered))).toBe(quoteKey(map(clone())));
    expect(quoteKey(map(other))).toBe(quoteKey(map(clone())));
  });

  it.each<[string, (b: Record<string, any>) => void]>([
    ['another street', (b) => (b.receiver.reference = '64 Billings Place')],
    ['another quantity', (b) => (b.packages[0].items[0].quantity = 5)],
    ['another weight', (b) => (b.packages[0].items[0].weight = '5 kg')],
    ['another window', (b) => (b.receiver.deliveryWindow.finalDate = '2027-05-06T21:50:41.210Z')],
    ['another currency', (b) => (b.settings = [{ key: 'currency', value: 'BRL' }])],
  ])('differs for %s', (_name, mutate) => {
    const body = clone();
    mutate(body);
    expect(quoteKey(map(body))).not.toBe(quoteKey(map(clone())));
  });
});

describe('a slot as VTEX rate', () => {
  const slot = {
    from: '2026-11-27T13:00:00.000Z',
    to: '2026-11-27T15:00:00.000Z',
    expires_at: '2026-11-27T12:15:00.000Z',
    priceCents: 1235,
    currency: 'BRL',
  };

  it("gives the rate card's cents in its currency, zero insurance, the slot end and minutes to it", () => {
    const answer = vtexRateAnswer(map(clone()), slot, now);
    expect(answer.data.rate).toEqual({
      shippingPrice: { value: 1235, currency: 'BRL' },
      insurancePrice: { value: 0, currency: 'BRL' },
    });
    expect(answer.data).toMatchObject({
      carrierId: 'servientrega-50461c9f3335',
      shippingEstimatedDate: slot.to,
      transitTime: 180,
      serviceId: null,
    });
    expect(answer.data.metaData.carrier.type).toMatchObject({ id: 'OTHERS', rate: answer.data.rate, transitTime: 180 });
  });

  it.each([
    [0, 0],
    [2.5, 250],
    [0.1 + 0.2, 30],
    [5616.01, 561601],
  ])('turns %d major units into %d cents', (major, cents) => {
    expect(toCents(major)).toBe(cents);
  });
});

describe("a quote the engine refuses, as VTEX's checkout hears it", () => {
  it("is a generic 422 naming the window, without the engine's text; the refusal is logged without it too", async () => {
    const engineText =
      'Delivery Engine POST /jobs/availability/v2 answered 409: no slot for Iracema Bastos, +55 11 98765-4321';
    const logged: unknown[] = [];
    const quoter = new RateQuoter({
      slots: {
        findSlot: async () => {
          throw ApplicationFailure.create({ type: FailureType.Conflict, message: engineText, nonRetryable: true });
        },
      } as unknown as SlotClient,
      logger: { warn: (obj: unknown, msg: string) => logged.push([obj, msg]) } as unknown as Logger,
    });
    const input = map(clone());
    const refusal = await quoter.quote(input, now.getTime()).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(HttpError);
    expect(refusal).toMatchObject({
      status: 422,
      message: 'No delivery slot can serve this request',
      details: [{ path: 'receiver.deliveryWindow', message: 'the Delivery Engine offers no slot for this window' }],
    });
    expect(JSON.stringify(refusal)).not.toContain('Iracema');
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).toContain('Conflict');
    for (const personal of ['Iracema', '98765-4321']) expect(JSON.stringify(logged)).not.toContain(personal);
  });
});
