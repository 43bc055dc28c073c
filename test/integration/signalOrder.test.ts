/**
 * Signals that reach a delivery before its first workflow task runs (a busy or restarted worker)
 * are taken in their arrival order. The SDK buffers them until the handlers exist and hands them
 * out handler by handler: without a catch-all handler set first, every carrier event would go
 * before a cancel sent between them, and an event that came after VTEX's cancel would be reported.
 */
import { randomUUID } from 'node:crypto';
import { createDeliveryWorker, connectWorker } from '../../worker/worker';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { CreateServiceRequest } from '../../contracts/vtex';
import type { DeliveryView } from '../../contracts/delivery';
import { createLogger } from '../../observability/logger';
import { cancelSignal, carrierEventSignal } from '../../workflows/messages';
import { createServiceBody, vtexCallsOf } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

it('takes a cancel sent between carrier events after the first and before the second', async () => {
  // The delivery starts on a task queue no worker polls yet: its signals wait in history.
  const taskQueue = `signal-order-${randomUUID()}`;
  const body = CreateServiceRequest.parse(createServiceBody());
  const input = mapVtexCreateService(body, { now: new Date(), creationGraceMs: stack.config.creationGraceMs });
  const handle = await stack.bridge.client.workflow.start('deliveryWorkflow', {
    workflowId: input.serviceId,
    taskQueue,
    args: [input],
  });
  const event = (type: string) => ({
    id: randomUUID(),
    type,
    created_at: new Date().toISOString(),
    job: { id: 'not-known-yet', client_reference: input.spec.clientReference },
    notes: [{ type: 'COMMENT' as const, note: `note of ${type}`, author: 'Ana' }],
  });
  const before = event('ALLOCATED');
  const after = event('ARRIVED_TO_DESTINATION');
  await handle.signal(carrierEventSignal, before);
  await handle.signal(cancelSignal, { reason: 'Canceled by the client on VTEX' });
  await handle.signal(carrierEventSignal, after);

  // Now a worker takes the queue: its first task sees all three signals at once.
  const logger = createLogger({ level: 'silent' });
  const connection = await connectWorker(process.env.TEST_TEMPORAL_ADDRESS!, logger);
  const worker = await createDeliveryWorker({
    config: { ...stack.config, temporal: { ...stack.config.temporal, taskQueue } },
    connection,
    logger,
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
  });
  const view = (await worker.runUntil(handle.result())) as DeliveryView;
  await connection.close();

  expect(view.status).toBe('CANCELED');
  const lines = view.timeline.map((l) => l.message);
  const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
  const canceled = at(/-> CANCELED: canceled by the platform/);
  expect(canceled).toBeGreaterThan(-1);
  // In arrival order: the event before the cancel ahead of it, the one after it behind it.
  const lineOf = (id: string) => view.timeline.findIndex((l) => l.eventId === id);
  expect(lineOf(before.id)).toBeGreaterThan(-1);
  expect(lineOf(before.id)).toBeLessThan(canceled);
  expect(lineOf(after.id)).toBeGreaterThan(canceled);
  // And nothing of the later event reached VTEX.
  const posted = vtexCallsOf(stack, input.serviceId).filter((c) => c.path.startsWith('/tracking/hook/notes/'));
  expect(JSON.stringify(posted.map((c) => c.body))).not.toContain('note of ARRIVED_TO_DESTINATION');
  await recordHistory(stack.bridge.client, input.serviceId, 'signals-before-first-task');
});
