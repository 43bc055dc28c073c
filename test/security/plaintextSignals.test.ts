/**
 * A signal sent without the key ring (plaintext, e.g. from any process that reaches the Temporal
 * frontend) does not reach a delivery when the worker refuses plaintext (CODEC_PLAINTEXT=refuse, the
 * production default; docs/security.md): the workflow task that would carry it fails, and nothing
 * it asked for happens.
 */
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createVtexDelivery } from '../support/deliveries';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const EventType = temporal.api.enums.v1.EventType;

describe('a plaintext signal to a delivery', () => {
  const stack = useTestStack({ env: { CODEC_PLAINTEXT: 'refuse' } });

  it('is refused by the worker: the cancel it carries never runs', async () => {
    const d = await createVtexDelivery(stack);
    // A client without our data converter: what a process without the key ring sends.
    const plain = new Client({
      connection: stack.bridge.client.connection,
      namespace: stack.config.temporal.namespace,
    });
    const handle = plain.workflow.getHandle(d.serviceId);
    await handle.signal('cancel', { reason: 'forged', origin: 'vtex' });

    const history = await waitFor(
      async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const signaled = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
        const failed = events.findIndex(
          (e, i) => i > signaled && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        );
        return signaled >= 0 && failed > signaled ? events : undefined;
      },
      { what: 'the workflow task carrying the plaintext signal failed', timeoutMs: 20_000 },
    );
    expect(history.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(true);
    expect(stack.engine.job(d.jobId)?.state).not.toBe('CANCELLED');
    await stack.bridge.client.workflow.getHandle(d.serviceId).terminate('test over: refused plaintext signal');
  }, 60_000);
});
