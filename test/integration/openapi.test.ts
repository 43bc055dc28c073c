/**
 * GET /openapi.json against the running bridge: served without a token, and every answer the real
 * routes give (successes and refusals) has its status in the document and matches its schema there.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import { openApiDocument, openApiPath } from '../../api/openapi';
import { createServiceBody, createVtexDelivery, postSignedEvent } from '../support/deliveries';
import { fresh, seedRouteDeliveryRequest } from '../support/abbiamoEvents';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;
let served: { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', true).addFormat('email', true).addFormat('uri', true);

beforeAll(async () => {
  stack = await startTestStack();
  const response = await fetch(`${stack.apiUrl}/openapi.json`);
  expect(response.status).toBe(200);
  served = (await response.json()) as typeof served;
  ajv.addSchema(served, 'openapi.json');
});
afterAll(async () => {
  await stack?.stop();
});

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The answer's status is documented for the route, and its body matches the documented schema. */
function expectDocumented(method: string, route: string, answer: { status: number; body: unknown }) {
  const responses = served.paths[openApiPath(route)]?.[method]?.responses ?? {};
  expect([method, route, answer.status, Object.keys(responses).includes(String(answer.status))]).toEqual([
    method,
    route,
    answer.status,
    true,
  ]);
  const pointer = `openapi.json#/paths/${escape(openApiPath(route))}/${method}/responses/${answer.status}/content/application~1json/schema`;
  const validate: ValidateFunction = ajv.compile({ $ref: pointer });
  const valid = validate(answer.body);
  expect([route, answer.status, validate.errors ?? []]).toEqual([route, answer.status, []]);
  expect(valid).toBe(true);
}

describe('GET /openapi.json', () => {
  it('is served without a token, as built from the route table, with PUBLIC_URL as its server', async () => {
    const answer = await fetch(`${stack.apiUrl}/openapi.json`);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual(
      openApiDocument({ serverUrl: stack.config.publicUrl, vtexCarrierId: stack.config.vtex.carrierId }),
    );
    expect(served).toMatchObject({ servers: [{ url: stack.config.publicUrl }] });
  });
});

describe('the real answers match the document', () => {
  it('VTEX: create, pause, resume, state, cancel, and the refusals', async () => {
    const body = createServiceBody();
    const created = await stack.call('POST', '/vtex/services', body);
    expectDocumented('post', '/vtex/services', created);
    const serviceId = created.body.serviceId as string;
    const command = { serviceId, carrierId: body.carrierId, reason: 'Checking the address' };

    expectDocumented(
      'post',
      '/vtex/services/pause',
      await stack.call('POST', '/vtex/services/pause', { ...command, pause: true }),
    );
    expectDocumented(
      'post',
      '/vtex/services/pause',
      await stack.call('POST', '/vtex/services/pause', { ...command, pause: false }),
    );
    expectDocumented('get', '/deliveries/:serviceId', await stack.call('GET', `/deliveries/${serviceId}`));
    expectDocumented('post', '/vtex/services/cancel', await stack.call('POST', '/vtex/services/cancel', command));

    const unknown = await stack.call('POST', '/vtex/services/cancel', { ...command, serviceId: 'vtex-nobody-0' });
    expect(unknown.status).toBe(404);
    expectDocumented('post', '/vtex/services/cancel', unknown);
    const invalid = await stack.call('POST', '/vtex/services', { ...body, packages: [] });
    expect(invalid.status).toBe(400);
    expectDocumented('post', '/vtex/services', invalid);
    const notJson = await stack.call('POST', '/vtex/services', '{"orderId": ');
    expect(notJson.status).toBe(400);
    expectDocumented('post', '/vtex/services', notJson);
    const noToken = await stack.call('POST', '/vtex/services', body, { authorization: '' });
    expect(noToken.status).toBe(401);
    expectDocumented('post', '/vtex/services', noToken);
    const noDelivery = await stack.call('GET', '/deliveries/vtex-nobody-0');
    expect(noDelivery.status).toBe(404);
    expectDocumented('get', '/deliveries/:serviceId', noDelivery);
  });

  it('Delivery Engine: a job event with its key', async () => {
    const delivery = await createVtexDelivery(stack, { waitFirstReport: false });
    const event = {
      id: `openapi-${delivery.jobId}`,
      type: 'ALLOCATED',
      created_at: new Date().toISOString(),
      job: stack.engine.job(delivery.jobId)!,
    };
    const taken = await postSignedEvent(stack, event, { authorization: '' });
    expect(taken.status).toBe(200);
    expectDocumented('post', '/delivery-engine/webhooks', taken);
    const wrongSignature = await stack.call('POST', '/delivery-engine/webhooks', event, {
      'instaleap-signature': 'wrong',
    });
    expect(wrongSignature.status).toBe(401);
    expectDocumented('post', '/delivery-engine/webhooks', wrongSignature);
  });

  it('Abbiamo: a DELIVERY_REQUEST of a route, its route listing, and an event type we do not handle', async () => {
    const event = fresh(seedRouteDeliveryRequest());
    const accepted = await stack.call('POST', '/marketplace/events', event);
    expect(accepted.status).toBe(202);
    expectDocumented('post', '/marketplace/events', accepted);
    const ignored = await stack.call('POST', '/marketplace/events', { event_type: 'SOMETHING_NEW', at: 1 });
    expect(ignored.body).toMatchObject({ ignored: true });
    expectDocumented('post', '/marketplace/events', ignored);

    const route = await waitFor(
      async () => {
        const answer = await stack.call('GET', `/routes/${event.route_id as string}`);
        return answer.status === 200 && answer.body.count === event.deliveries.length ? answer : undefined;
      },
      { what: 'the route in visibility' },
    );
    expectDocumented('get', '/routes/:routeId', route);
  });

  it('probes; metrics are not on this port (API_METRICS_PORT)', async () => {
    expectDocumented('get', '/healthz', await stack.call('GET', '/healthz', undefined, { authorization: '' }));
    expectDocumented('get', '/readyz', await stack.call('GET', '/readyz', undefined, { authorization: '' }));
    expect((await fetch(`${stack.apiUrl}/metrics`)).status).toBe(404);
    expect(served.paths['/metrics']).toBeUndefined();
  });
});
