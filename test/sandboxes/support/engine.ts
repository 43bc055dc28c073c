import { randomUUID } from 'node:crypto';
import { call, fixture } from './http';

export const engineKey = 'test-engine-api-key';
export const engineWebhookSecret = 'test-instaleap-webhook-secret';
export const auth = { 'x-api-key': engineKey };

/** A search from the next hour for `hours` hours, the São Paulo addresses of Abbiamo's DELIVERY_REQUEST example, 2 × 1.5 kg. */
export function availabilityBody(overrides: Record<string, unknown> = {}, hours = 4) {
  const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  return {
    currency_code: 'BRL',
    start: new Date(start).toISOString(),
    end: new Date(start + hours * 3_600_000).toISOString(),
    slot_size: 60,
    operational_models_priority: ['FULL_SERVICE'],
    store_reference: 'store-1',
    origin: {
      name: 'Seller',
      address: 'Avenida Ibirapuera 3407',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      latitude: -23.52045997445427,
      longitude: -46.438805678513575,
    },
    destination: {
      name: 'Client',
      address: 'Rua Doutor Alfredo Sales 931',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      latitude: -23.834499518193947,
      longitude: -45.37406370734008,
    },
    job_items: [{ id: 'sku-1', name: 'Celular', unit: 'unit', quantity: 2, weight: 1.5 }],
    ...overrides,
  };
}

/** The engine's Create a Job example (contracts/examples/engine.create-job.json) with its "string" placeholders filled the way a real caller would. */
export function createJobBody(slotId: string, clientReference = `order-${randomUUID()}`) {
  const body = fixture('engine.create-job.json');
  body.slot_id = slotId;
  body.client_reference = clientReference;
  body.payment_info.currency_code = 'MXN';
  body.external_data = { webhook: { key: `key-${randomUUID()}`, service_id: clientReference } };
  return body;
}

export async function newSlot(url: string): Promise<string> {
  const reply = await call('POST', `${url}/jobs/availability/v2`, { body: availabilityBody(), headers: auth });
  if (reply.status !== 200) throw new Error(`availability answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body[0].id;
}

export async function newJob(
  url: string,
  clientReference?: string,
): Promise<{ jobId: string; body: ReturnType<typeof createJobBody> }> {
  const body = createJobBody(await newSlot(url), clientReference);
  const reply = await call('POST', `${url}/jobs`, { body, headers: auth });
  if (reply.status !== 200) throw new Error(`POST /jobs answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { jobId: reply.body.job_id, body };
}
