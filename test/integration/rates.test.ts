/**
 * POST /vtex/rates through the real stack: the VTEX sandbox asks as its checkout would, the
 * intake quotes from the engine sandbox's availability, a bounded cache answers repeats. A quote
 * starts no workflow and creates no job.
 */
import openApiExample from '../../contracts/examples/vtex.create-service.openapi.json';
import seedExample from '../../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest } from '../../contracts/vtex';
import { vtexServiceId } from '../../mapping/ids';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { priceCents } from '../../mapping/rateCard';
import { workflowExists } from '../support/deliveries';
import { useTestStack } from '../support/stack';

const stack = useTestStack();
let seq = 0;

afterEach(() => {
  stack.engine.resetFaults();
});

/** A cart of its own (the cache keys on what the engine prices: here the receiver's street). */
function cart(example: object = openApiExample): Record<string, any> {
  seq += 1;
  const body = structuredClone(example) as Record<string, any>;
  body.orderId = `RATE-${process.pid}-${Date.now()}-${seq}`;
  body.receiver.reference = `${seq} Rate Street, ${process.pid}-${Date.now()}`;
  return body;
}

const availabilityCalls = (body: Record<string, any>) =>
  stack.engine
    .calls({ method: 'POST', path: '^/jobs/availability/v2$' })
    .filter((c) => JSON.stringify(c.body).includes(body.receiver.reference as string));

describe('POST /vtex/rates', () => {
  it("quotes VTEX's published example: the engine's price in integer cents, the window's end as date, nothing started", async () => {
    const body = cart();
    const asked = await stack.vtex.requestRates(body);
    expect(asked.status).toBe(200);
    expect(availabilityCalls(body)).toHaveLength(1);
    // Instaleap prices nothing: the carrier's rate card does, for the slot's operational model.
    const { availability } = mapVtexCreateService(CreateServiceRequest.parse(body), {
      now: new Date(),
      creationGraceMs: 600_000,
    }).spec;
    const card = stack.config.deliveryEngine.rateCard;
    const cents = priceCents(card, stack.config.deliveryEngine.operationalModels[0]!, availability);
    const currency = card.currency;
    const rate = { shippingPrice: { value: cents, currency }, insurancePrice: { value: 0, currency } };
    // The earliest slot fitting the receiver's window (when it is still ahead), its end as the date.
    const window = availability.window;
    const offered = stack.engine
      .slots()
      .filter((s) => !window || (s.from >= window.starts_at && s.to <= window.ends_at))
      .sort((a, b) => a.from.localeCompare(b.from));
    const slotEnd = (asked.body as { data: { shippingEstimatedDate: string } }).data.shippingEstimatedDate;
    expect(offered.map((s) => s.to)).toContain(slotEnd);
    expect(asked.body).toMatchObject({
      message: 'Rate calculated',
      data: {
        orderId: body.orderId,
        carrierId: body.carrierId,
        serviceId: null,
        rate,
        shippingEstimatedDate: slotEnd,
        metaData: { carrier: { id: body.carrierId, type: { id: 'OTHERS', rate, international: false } } },
      },
    });
    const { data } = asked.body as {
      data: { transitTime: number; metaData: { integrationResponse: { validUntil: string } } };
    };
    // The slot it came from is one the engine holds (and lets lapse: a quote takes no job).
    expect(stack.engine.slots().map((s) => s.expires_at)).toContain(data.metaData.integrationResponse.validUntil);
    const minutes = (Date.parse(slotEnd) - Date.parse(asked.answeredAt)) / 60_000;
    expect(Number.isInteger(data.transitTime)).toBe(true);
    expect(Math.abs(data.transitTime - minutes)).toBeLessThanOrEqual(1);
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toBeUndefined();
    expect(await workflowExists(stack, vtexServiceId(body.carrierId, body.orderId))).toBe(false);
  });

  it("quotes VTEX's guide's example in the sender country's currency", async () => {
    const asked = await stack.vtex.requestRates(cart(seedExample));
    expect(asked.status).toBe(200);
    expect(
      (asked.body as { data: { rate: { shippingPrice: { currency: string } } } }).data.rate.shippingPrice.currency,
    ).toBe('BRL');
  });

  it('answers the same cart again from the cache, without asking the engine', async () => {
    const body = cart();
    const first = await stack.call('POST', '/vtex/rates', body);
    const again = await stack.call('POST', '/vtex/rates', { ...body, orderId: `${body.orderId}-again` });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.data.rate).toEqual(first.body.data.rate);
    expect(again.body.data.shippingEstimatedDate).toBe(first.body.data.shippingEstimatedDate);
    expect(availabilityCalls(body)).toHaveLength(1);
    // A different cart is a different quote.
    const other = cart();
    expect((await stack.call('POST', '/vtex/rates', other)).status).toBe(200);
    expect(availabilityCalls(other)).toHaveLength(1);
  });

  it('asks the engine once for identical quotes arriving together', async () => {
    const body = cart();
    const answers = await Promise.all(Array.from({ length: 10 }, () => stack.call('POST', '/vtex/rates', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(availabilityCalls(body)).toHaveLength(1);
  });

  it.each<[string, (b: Record<string, any>) => void, string]>([
    ['another carrier', (b) => (b.carrierId = 'someone-else'), 'carrierId'],
    [
      'a receiver nothing places',
      (b) => {
        for (const key of ['address', 'reference', 'location']) delete b.receiver[key];
      },
      'receiver',
    ],
    ['an unreadable weight', (b) => (b.packages[0].items[0].weight = 'heavy'), 'packages.0.items.0.weight'],
  ])('refuses %s like Create service, with the field path, asking the engine nothing', async (_name, mutate, path) => {
    const body = cart();
    mutate(body);
    const answer = await stack.call('POST', '/vtex/rates', body);
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(availabilityCalls(body)).toHaveLength(0);
  });

  it('401 without the intake token', async () => {
    expect((await stack.call('POST', '/vtex/rates', cart(), { authorization: '' })).status).toBe(401);
  });

  it('503 within VTEX patience when the engine does not answer, and when it fails', async () => {
    stack.engine.setFaults({ timeoutRate: 1, pathPattern: '^/jobs/availability/v2$' });
    const hung = await stack.vtex.requestRates(cart());
    expect(hung.status).toBe(503);
    // The engine never answers: the quote gave up on its own and said so (VTEX's caller, which gives
    // up at 10 s, got an answer, not a timeout). How fast is the bench's figure (BENCHMARKS.md).
    expect(hung.body).toMatchObject({ error: 'The Delivery Engine did not quote in time; retry' });
    stack.engine.setFaults({ timeoutRate: 0, errorRate: 1, errorStatuses: [503] });
    const failed = await stack.vtex.requestRates(cart());
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'The Delivery Engine did not quote in time; retry' });
  });

  it('a window no slot can serve is a clear 422 naming the window, not a 500', async () => {
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [409], pathPattern: '^/jobs/availability/v2$' });
    const answer = await stack.call('POST', '/vtex/rates', cart());
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: 'No delivery slot can serve this request',
      details: [{ path: 'receiver.deliveryWindow' }],
    });
  });
});
