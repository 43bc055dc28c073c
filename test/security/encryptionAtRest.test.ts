/**
 * Encryption at rest, proven from outside: after full lives of a VTEX and an Abbiamo delivery
 * (a driver, a note, an evidence, a delivery code), the dev server's SQLite file and its WAL, read
 * as bytes, hold none of the customer's or driver's personal data, nor any token, API key, partner
 * header or settings secret. Every value is unique to this run, so an earlier run cannot hide a leak.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { abbiamoServiceId } from '../../mapping/ids';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { createServiceBody, createVtexDelivery, emit, finalView, stateOf, withDriver } from '../support/deliveries';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { startTestStack, TEST_INTAKE_TOKEN, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const run = randomBytes(4).toString('hex');
const unique = (label: string) => `${label}${run}`;
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

const secrets = {
  vtexApiKey: unique('vtex-api-key-'),
  engineApiKey: unique('engine-api-key-'),
  settingsSecret: unique('keysecret-'),
};

const vtexCustomer = {
  name: unique('Quiteria Ximenes '),
  phone: `+57 ${digits(10)}`,
  email: unique('quiteria.') + '@example.org',
  identification: digits(11),
  street: unique('Rua Zeferino Vaz '),
  contactName: unique('Zuleica Contato '),
  senderName: unique('Teodoro Remetente '),
};
const abbiamoCustomer = {
  name: unique('Jaciara Bittencourt '),
  phone: digits(9),
  document: digits(11),
  street: unique('Avenida Yolanda '),
};
const driver = { id: unique('courier-'), name: unique('Wanderley Motorista '), phone: `+55119${digits(8)}` };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    vtex: { apiKey: secrets.vtexApiKey },
    engine: { apiKey: secrets.engineApiKey, webhook: { initialDelayMs: 20, maxDelayMs: 200 } },
    env: { VTEX_API_KEY: secrets.vtexApiKey, DELIVERY_ENGINE_API_KEY: secrets.engineApiKey },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** The dev server's database as bytes: the main file and its write-ahead log. */
function databaseBytes(): Buffer {
  const dir = process.env.TEST_TMP_DIR;
  if (!dir) throw new Error('TEST_TMP_DIR is not set: run the tests through jest (globalSetup)');
  const file = path.join(dir, 'temporal.sqlite');
  return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

const driverOverrides = withDriver({ ...driver, phone_number: digits(11), vehicle: 'CAR' });

describe('personal data and secrets at rest in Temporal', () => {
  it('are nowhere in the SQLite file or its WAL after a VTEX and an Abbiamo life, while ids are', async () => {
    // VTEX: its own Create service example with this run's customer, and a delivery code asked for.
    const body = createServiceBody();
    body.receiver = {
      ...body.receiver,
      name: vtexCustomer.name,
      phone: vtexCustomer.phone,
      email: vtexCustomer.email,
      identification: vtexCustomer.identification,
      address: `${vtexCustomer.street}, Valle`,
      contactName: vtexCustomer.contactName,
    };
    body.sender = { ...body.sender, name: vtexCustomer.senderName };
    body.settings = [
      { label: 'Clave secreta', value: secrets.settingsSecret, key: 'secrekey' },
      { label: 'Delivery code', value: 'true', key: 'add_delivery_code' },
    ];
    const vtex = await createVtexDelivery(stack, { body });
    const deliveryCode = stack.engine.job(vtex.jobId)?.delivery_code;
    expect(deliveryCode).toMatch(/^\d{4}$/);
    for (const type of SCENARIOS.happy) {
      await emit(stack, vtex.jobId, type, {
        job: {
          ...driverOverrides.job,
          ...(type === 'CLIENT_RECEIVED'
            ? {
                evidences: [
                  { type: 'IMAGE', content: `https://media.example/${run}/signature.jpg`, author: driver.name },
                ],
              }
            : {}),
        },
      });
    }
    expect((await finalView(stack, vtex.serviceId)).status).toBe('DELIVERED');

    // Abbiamo: its docs with this run's customer and partner headers, delivered with a driver.
    const event = fresh(seedDeliveryRequest());
    const delivery = event.deliveries[0];
    delivery.customer = {
      ...delivery.customer,
      name: abbiamoCustomer.name,
      phone: abbiamoCustomer.phone,
      document_number: abbiamoCustomer.document,
    };
    delivery.destination_address = { ...delivery.destination_address, street: abbiamoCustomer.street };
    const deliveryId = delivery.delivery_id as string;
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const job = await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
      what: 'Abbiamo job',
    });
    for (const type of SCENARIOS.happy) await emit(stack, job.id, type, driverOverrides);
    const serviceId = abbiamoServiceId(deliveryId);
    expect((await finalView(stack, serviceId)).status).toBe('DELIVERED');
    await waitFor(
      () => stack.abbiamo.statusCalls(deliveryId).some((c) => c.endpoint === 'successful' && c.outcome === 'accepted'),
      { what: 'DELIVERED at Abbiamo', timeoutMs: 20_000 },
    );

    const bytes = databaseBytes();
    // The scan sees what Temporal stores: ids (search attributes, workflow ids) are there in clear.
    expect(bytes.includes(vtex.orderId)).toBe(true);
    expect(bytes.includes(serviceId)).toBe(true);
    const forbidden: Record<string, string> = {
      ...Object.fromEntries(Object.entries(vtexCustomer).map(([k, v]) => [`vtex customer ${k}`, v])),
      ...Object.fromEntries(Object.entries(abbiamoCustomer).map(([k, v]) => [`Abbiamo customer ${k}`, v])),
      'driver name': driver.name,
      'driver phone': driver.phone,
      'delivery note': unique('Left with the doorman of '),
      'VTEX API key': secrets.vtexApiKey,
      'engine API key': secrets.engineApiKey,
      'VTEX settings secret': secrets.settingsSecret,
      'intake token': TEST_INTAKE_TOKEN,
      'Abbiamo Authorization header': event.logistic_data.headers.Authorization.slice('Bearer '.length),
      'Abbiamo X-Carrier-Key header': event.logistic_data.headers['X-Carrier-Key'],
    };
    const found = Object.entries(forbidden).filter(([, value]) => bytes.includes(value));
    expect(found.map(([what]) => what)).toEqual([]);
    // No JWT (VTEX's tokens) anywhere in the database.
    expect(bytes.toString('latin1')).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]+/);
  });

  it('the same scan finds a payload written without the codec (the check can fail)', async () => {
    const canary = unique('Plaintext Canary ');
    const client = new Client({
      connection: await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! }),
    });
    const workflowId = `byte-scan-canary-${randomUUID()}`;
    // A task queue nobody polls: the workflow only has to be written down.
    const handle = await client.workflow.start('deliveryWorkflow', {
      workflowId,
      taskQueue: `nobody-${randomUUID()}`,
      args: [{ customer: canary }],
    });
    try {
      await waitFor(() => databaseBytes().includes(canary), {
        what: 'the canary in the SQLite bytes',
        timeoutMs: 10_000,
      });
    } finally {
      await handle.terminate('byte-scan canary');
      await client.connection.close();
    }
  });
});

describe('the delivery PIN (deliveryCode)', () => {
  const withCode = () => {
    const body = createServiceBody();
    body.settings = [{ label: 'Delivery code', value: 'true', key: 'add_delivery_code' }];
    return body;
  };
  const shows = (value: unknown, code: string) => {
    const text = JSON.stringify(value);
    return text.includes('deliveryCode') || text.includes(`"${code}"`);
  };

  it('is never shown by GET /deliveries/:id, open or ended', async () => {
    const d = await createVtexDelivery(stack, { body: withCode() });
    const code = stack.engine.job(d.jobId)!.delivery_code!;
    expect(code).toMatch(/^\d{4}$/);
    const open = await stack.call('GET', `/deliveries/${d.serviceId}`);
    expect(open.status).toBe(200);
    expect(open.body.job.jobId).toBe(d.jobId); // the job is shown, only its PIN is not
    expect(shows(open.body, code)).toBe(false);
    for (const type of SCENARIOS.happy) await emit(stack, d.jobId, type);
    await finalView(stack, d.serviceId);
    const ended = await stack.call('GET', `/deliveries/${d.serviceId}`);
    expect(ended.body.status).toBe('DELIVERED');
    expect(shows(ended.body, code)).toBe(false);
  });

  // Passes once the workflow's own view (workflows/, the lead's) leaves the PIN out of the state
  // query and the result; the API already strips it (api/deliveries.ts).
  it('is never shown by the state query or the workflow result', async () => {
    const d = await createVtexDelivery(stack, { body: withCode() });
    const code = stack.engine.job(d.jobId)!.delivery_code!;
    expect(shows(await stateOf(stack, d.serviceId), code)).toBe(false);
    await emit(stack, d.jobId, 'CANCELLED');
    expect(shows(await finalView(stack, d.serviceId), code)).toBe(false);
  });
});
