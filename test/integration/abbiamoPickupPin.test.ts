/**
 * Abbiamo's own pickup PIN ("Pickup pincode, driver-to-seller flow") through the real stack: the job
 * is created held in the store with the PIN in the driver's comment; the driver's job does not leave
 * the store until Abbiamo's synchronous PICKUP_PIN_VALIDATION_REQUEST, which our answer follows only
 * once the engine released it. The PIN is never in our answers.
 */
import { randomUUID } from 'node:crypto';
import { BLOCKING_POLICY } from '../../contracts/deliveryEngine';
import { abbiamoServiceId } from '../../mapping/ids';
import { deliveryStateQuery } from '../../workflows/messages';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

let stack: TestStack;
const CARRIER_KEY = `test-carrier-key-${randomUUID()}`;
const PIN = '4821';
/** An answer as text with its random ids blanked: a UUID's hex holds the PIN's four digits now and then. */
const shown = (body: unknown) =>
  JSON.stringify(body).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>');

beforeAll(async () => {
  stack = await startTestStack({
    engine: { webhook: { initialDelayMs: 20, maxDelayMs: 200 } },
    abbiamo: { carrierKey: CARRIER_KEY },
    env: { MARKETPLACE_CARRIER_KEY: CARRIER_KEY },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function withAbbiamoPin() {
  const event = fresh(seedDeliveryRequest());
  event.logistic_data.pickup_verification = { pincode: true, pincode_owner: 'abbiamo', pincode_value: PIN };
  const deliveryId = event.deliveries[0].delivery_id as string;
  const sent = await stack.abbiamo.sendDeliveryRequest(event);
  expect(sent.status).toBe(202);
  expect(shown(sent.body)).not.toContain(PIN);
  const job = await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
    what: `the job of ${deliveryId}`,
  });
  return { deliveryId, job };
}

describe("Abbiamo's pickup PIN (pincode_owner: abbiamo)", () => {
  it('creates the job held, shows the PIN to the driver, and releases it within the validation call', async () => {
    const { deliveryId, job } = await withAbbiamoPin();
    expect(job.payment_info.payment.blocking_policy).toBe(BLOCKING_POLICY.hold);
    expect(job.job_comment).toMatch(new RegExp(`^Pickup PIN: tell the store operator ${PIN}`));
    // The driver goes to the store; the job waits there.
    stack.engine.play(job.id, 'happy', 20);
    await waitFor(() => stack.abbiamo.statusCalls(deliveryId).some((c) => c.endpoint === 'at-pickup-point'), {
      what: 'the driver at the pickup point',
    });
    expect(stack.engine.blockingPolicies(job.id)).toEqual([BLOCKING_POLICY.hold]);

    const answer = await stack.abbiamo.validatePickupPin(deliveryId, PIN);
    expect(answer).toMatchObject({
      status: 200,
      body: { success: true, event_type: 'PICKUP_PIN_VALIDATION_REQUEST', delivery_id: deliveryId },
    });
    expect(shown(answer.body)).not.toContain(PIN);
    // Released before the answer: the engine's record already shows it.
    expect(stack.engine.blockingPolicies(job.id)).toEqual([BLOCKING_POLICY.hold, BLOCKING_POLICY.release]);
    await waitFor(() => stack.abbiamo.statusCalls(deliveryId).some((c) => c.endpoint === 'successful'), {
      what: 'the delivery done once released',
    });

    const view = await stack.bridge.client.workflow.getHandle(abbiamoServiceId(deliveryId)).query(deliveryStateQuery);
    const timeline = view.timeline.map((l) => l.message).join('\n');
    expect(timeline).toContain('pickup PIN validated by the platform: the job left its hold');
    expect(shown(timeline)).not.toContain(PIN);
  });

  it('answers the same validation again the same, without a second release', async () => {
    const { deliveryId, job } = await withAbbiamoPin();
    expect((await stack.abbiamo.validatePickupPin(deliveryId, PIN)).status).toBe(200);
    expect((await stack.abbiamo.validatePickupPin(deliveryId, PIN)).status).toBe(200);
    expect(stack.engine.blockingPolicies(job.id)).toEqual([BLOCKING_POLICY.hold, BLOCKING_POLICY.release]);
  });

  it('refuses another PIN with the field to fix, and keeps the job held', async () => {
    const { deliveryId, job } = await withAbbiamoPin();
    const answer = await stack.abbiamo.validatePickupPin(deliveryId, '0000');
    expect(answer.status).toBe(422);
    expect((answer.body as { abbiamo_error: string }).abbiamo_error).toMatch(/pincode_value/);
    expect(shown(answer.body)).not.toContain(PIN);
    expect(stack.engine.blockingPolicies(job.id)).toEqual([BLOCKING_POLICY.hold]);
  });

  it('refuses a validation for a delivery without an Abbiamo PIN', async () => {
    const event = fresh(seedDeliveryRequest());
    const deliveryId = event.deliveries[0].delivery_id as string;
    await stack.abbiamo.sendDeliveryRequest(event);
    const job = await waitFor(() => stack.engine.jobsByClientReference(abbiamoServiceId(deliveryId))[0], {
      what: `the job of ${deliveryId}`,
    });
    expect(job.payment_info.payment.blocking_policy).toBeUndefined();
    const answer = await stack.abbiamo.validatePickupPin(deliveryId, PIN);
    expect(answer.status).toBe(409);
    expect(stack.engine.blockingPolicies(job.id)).toEqual([]);
  });
});
