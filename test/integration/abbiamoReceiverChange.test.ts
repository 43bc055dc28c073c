/**
 * Abbiamo's receiver change (ORDER_RECEIVER_UPDATE, one of its homologation scenarios) through the
 * real stack: the Abbiamo sandbox sends it to our intake after a DELIVERY_REQUEST, the workflow
 * carries it to the engine's job, and the delivery's timeline says what changed.
 */
import { randomUUID } from 'node:crypto';
import { abbiamoServiceId } from '../../mapping/ids';
import { deliveryStateQuery } from '../../workflows/messages';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;
const CARRIER_KEY = `test-carrier-key-${randomUUID()}`;

beforeAll(async () => {
  stack = await startTestStack({
    abbiamo: { carrierKey: CARRIER_KEY },
    env: { MARKETPLACE_CARRIER_KEY: CARRIER_KEY },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function deliveredRequest(): Promise<{ deliveryId: string; event: Record<string, any> }> {
  const event = fresh(seedDeliveryRequest());
  const deliveryId = event.deliveries[0].delivery_id as string;
  expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
  await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
    what: `the job of ${deliveryId}`,
  });
  return { deliveryId, event };
}

describe('POST /marketplace/events: ORDER_RECEIVER_UPDATE', () => {
  it("carries the new receiver's name, phone, document and address to the job; the timeline names what changed", async () => {
    const { deliveryId, event } = await deliveredRequest();
    const address = { ...event.deliveries[0].destination_address, street: 'Rua Nova', street_number: '77' };
    const answer = await stack.abbiamo.changeReceiver(deliveryId, {
      customer: { name: 'Capitu', phone: '988887777', phone_country_code: '+55', document_number: '123.456.789-09' },
      destination_address: address,
    });
    expect(answer).toMatchObject({
      status: 202,
      body: {
        event_type: 'ORDER_RECEIVER_UPDATE',
        delivery_id: deliveryId,
        serviceId: abbiamoServiceId(deliveryId),
        outcome: 'change-sent',
      },
    });

    const job = await waitFor(
      () => {
        const j = stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0];
        return j?.recipient.name === 'Capitu' ? j : undefined;
      },
      { what: 'the job with the new receiver' },
    );
    expect(job.recipient).toMatchObject({
      name: 'Capitu',
      phone_number: '+55988887777',
      identification: { number: '123.456.789-09', type: 'CPF' },
    });
    expect(job.destination).toMatchObject({ name: 'Capitu', address: 'Rua Nova, 77' });

    const view = await stack.bridge.client.workflow.getHandle(abbiamoServiceId(deliveryId)).query(deliveryStateQuery);
    const lines = view.timeline.map((l) => l.message);
    expect(lines).toContain('receiver changed by the platform: name, phone, identification, address');
    // The timeline names the fields, never the receiver's data.
    expect(lines.join('\n')).not.toContain('Capitu');
  });

  it('reports the changed receiver with successful', async () => {
    const { deliveryId } = await deliveredRequest();
    const job = stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0]!;
    const answer = await stack.abbiamo.changeReceiver(deliveryId, {
      customer: { name: 'Capitu', document_number: '98765432100' },
    });
    expect(answer.status).toBe(202);
    await waitFor(
      () =>
        stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0]?.recipient.name === 'Capitu' || undefined,
      { what: 'the job with the new receiver' },
    );
    stack.engine.play(job.id, 'happy', 20);
    const successful = await waitFor(
      () => stack.abbiamo.statusCalls(deliveryId).find((c) => c.endpoint === 'successful'),
      { what: 'successful at Abbiamo', timeoutMs: 20_000 },
    );
    expect(successful.body).toMatchObject({ receiver_name: 'Capitu', receiver_document: '98765432100' });
  });

  it("takes Abbiamo's lower-case spelling, and a change of the phone alone", async () => {
    const { deliveryId } = await deliveredRequest();
    const answer = await stack.call('POST', '/marketplace/events', {
      event_type: 'order_receiver_update',
      delivery_id: deliveryId,
      customer: { phone: '977776666', phone_country_code: '+55' },
    });
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'change-sent' } });
    await waitFor(
      () =>
        stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0]?.recipient.phone_number ===
          '+55977776666' || undefined,
      { what: 'the job with the new phone' },
    );
  });

  it('acknowledges a change for a delivery it does not know (a retry would fix nothing)', async () => {
    const answer = await stack.call('POST', '/marketplace/events', {
      event_type: 'ORDER_RECEIVER_UPDATE',
      delivery_id: `unknown-${randomUUID()}`,
      customer: { name: 'Capitu' },
    });
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'unknown-delivery' } });
  });

  it('refuses a change that changes nothing, with the abbiamo_error Abbiamo shows the seller', async () => {
    const answer = await stack.call('POST', '/marketplace/events', {
      event_type: 'ORDER_RECEIVER_UPDATE',
      delivery_id: `any-${randomUUID()}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.abbiamo_error).toMatch(/customer/);
  });
});
