import { randomUUID } from 'node:crypto';
import { call, fixture } from './http';

export const engineKey = 'test-engine-api-key';
export const auth = { authorization: `Bearer ${engineKey}` };

/** The São Paulo addresses of Abbiamo's DELIVERY_REQUEST example, 2 × 1.5 kg. */
export function availabilityBody(overrides: Record<string, unknown> = {}) {
  return {
    origin: {
      address: 'Avenida Ibirapuera 3407',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      latitude: -23.52045997445427,
      longitude: -46.438805678513575,
    },
    destination: {
      address: 'Rua Doutor Alfredo Sales 931',
      city: 'São Paulo',
      state: 'SP',
      country: 'BRA',
      latitude: -23.834499518193947,
      longitude: -45.37406370734008,
    },
    items: [{ id: 'sku-1', name: 'Celular', quantity: 2, weight_kg: 1.5 }],
    ...overrides,
  };
}

/** The engine's Create a Job example (contracts/examples/engine.create-job.json) with its "string" placeholders filled the way a real caller would. */
export function createJobBody(slotId: string, webhookUrl: string, clientReference = `order-${randomUUID()}`) {
  const body = fixture('engine.create-job.json');
  body.slot_id = slotId;
  body.client_reference = clientReference;
  body.payment_info.currency_code = 'MXN';
  body.external_data.webhook = { key: `key-${randomUUID()}`, URL: webhookUrl };
  body.external_data.backoffice = { key: 'backoffice-key', URL: 'https://backoffice.example/hook' };
  body.external_data.shopper_app = { key: 'shopper-key', URL: 'https://shopper.example/hook' };
  return body;
}

export async function newSlot(url: string): Promise<string> {
  const reply = await call('POST', `${url}/jobs/availability`, { body: availabilityBody(), headers: auth });
  if (reply.status !== 200) throw new Error(`availability answered ${reply.status}`);
  return reply.body.slot_id;
}

export async function newJob(
  url: string,
  webhookUrl: string,
  clientReference?: string,
): Promise<{ jobId: string; body: ReturnType<typeof createJobBody> }> {
  const body = createJobBody(await newSlot(url), webhookUrl, clientReference);
  const reply = await call('POST', `${url}/jobs`, { body, headers: auth });
  if (reply.status !== 201) throw new Error(`POST /jobs answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { jobId: reply.body.job_id, body };
}
