/**
 * The failure classes the full bad-input run (`npm run fuzz`, 10,000 requests) found, one request
 * each, so a regression fails here without the full run: every refusal names the field to fix, and
 * a value no partner means ("__proto__" as a country) is refused, not carried to the engine.
 */
import { webhookKeyFor } from '../../contracts/webhookKey';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';
import { createServiceBody, createVtexDelivery, postSignedEvent, workflowExists } from '../support/deliveries';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

describe('every 4xx names the field', () => {
  it.each(['/deliveries/', '/deliveries', '/deliveries/.', '/deliveries/%2e'])(
    'GET %s (no service id) is a 400 naming serviceId',
    async (path) => {
      const answer = await stack.call('GET', path);
      // `%2e` is a dot to the URL parser too: every form names no delivery.
      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual([{ path: 'serviceId', message: 'is required' }]);
    },
  );

  it('an unknown route is a 404 naming the path', async () => {
    const answer = await stack.call('GET', '/no-such-route');
    expect(answer.status).toBe(404);
    expect(answer.body.details).toEqual([expect.objectContaining({ path: '(path)' })]);
  });

  it("the engine webhook's 401 names the job's key when the signed body names another job", async () => {
    const d = await createVtexDelivery(stack, { waitFirstReport: false });
    const event = {
      id: 'fuzz-class-401',
      type: 'ALLOCATED',
      created_at: new Date().toISOString(),
      job: {
        id: d.jobId,
        client_reference: `${d.orderId}-other`,
        external_data: {
          webhook: { key: webhookKeyFor(stack.config.deliveryEngine.jobKeySecret, d.serviceId, d.orderId) },
        },
      },
    };
    const answer = await postSignedEvent(stack, event, { authorization: '' });
    expect(answer.status).toBe(401);
    expect(answer.body.details).toEqual([expect.objectContaining({ path: 'job.external_data.webhook.key' })]);
  });

  it('a missing intake token is a 401 naming the authorization header', async () => {
    const answer = await stack.call('POST', '/vtex/services', createServiceBody(), { authorization: '' });
    expect(answer.status).toBe(401);
    expect(answer.body.details).toEqual([expect.objectContaining({ path: 'headers.authorization' })]);
  });
});

describe('countries', () => {
  it.each(['__proto__', 'constructor', '1 constructor', 'hasOwnProperty', '{}', '12'])(
    'refuses %j as a VTEX country, naming the field, and starts nothing',
    async (country) => {
      const body = createServiceBody();
      body.sender.country = country;
      const answer = await stack.call('POST', '/vtex/services', body);
      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual([expect.objectContaining({ path: 'sender.country' })]);
      expect(answer.body.details[0].message).toMatch(/country/);
      expect(await workflowExists(stack, vtexServiceId(body.carrierId, body.orderId))).toBe(false);
    },
  );

  it('refuses "__proto__" as an Abbiamo country, naming the field, and starts nothing', async () => {
    const event = fresh(seedDeliveryRequest());
    event.deliveries[0].destination_address.country = '__proto__';
    const answer = await stack.call('POST', '/marketplace/events', event);
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      expect.objectContaining({ path: 'deliveries.0.destination_address.country' }),
    ]);
    expect(await workflowExists(stack, abbiamoServiceId(event.deliveries[0].delivery_id))).toBe(false);
  });

  it.each(['Brazil', 'BRA', 'US', "Côte d'Ivoire", 'Guinea-Bissau', 'St. Lucia', 'Korea (Republic of)', ''])(
    'takes %j as a VTEX country',
    async (country) => {
      const body = createServiceBody();
      body.sender.country = country;
      const answer = await stack.call('POST', '/vtex/services', body);
      expect(answer.status).toBe(200);
    },
  );
});
