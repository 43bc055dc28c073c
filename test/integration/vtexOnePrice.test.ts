/**
 * VTEX takes every price in cents (VTEX's OpenAPI: `Rate.shippingPrice.value` int32, "shipping price
 * in cents" on the Create answer and the tracking PATCH). The same order asked at checkout (POST
 * /vtex/rates) and then created (POST /vtex/services) is priced the same in all three: the rate, the
 * Create answer, and the first PATCH VTEX holds.
 */
import { CreateServiceResponse } from '../../contracts/vtex';
import { vtexServiceId } from '../../mapping/ids';
import { createServiceBody } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();

describe('VTEX: one money unit', () => {
  it("prices one order the same, in integer cents, in the rate, the Create answer and VTEX's record", async () => {
    const body = createServiceBody();
    const rate = await stack.vtex.requestRates(body);
    expect(rate.status).toBe(200);
    const quoted = (rate.body as { data: { rate: { shippingPrice: { value: number } } } }).data.rate.shippingPrice
      .value;

    const created = await stack.vtex.createService(body);
    expect(created.status).toBe(200);
    const answer = CreateServiceResponse.parse(created.body);
    const serviceId = vtexServiceId(body.carrierId, body.orderId);
    const record = await waitFor(
      () => {
        const r = stack.vtex.service(body.carrierId, serviceId);
        return r?.shippingPrice != null ? r : undefined;
      },
      { what: 'the first PATCH at VTEX', timeoutMs: 15_000 },
    );

    expect(Number.isInteger(quoted)).toBe(true);
    expect(quoted).toBeGreaterThan(0);
    expect([answer.shippingPrice, record.shippingPrice]).toEqual([quoted, quoted]);
  });
});
