/**
 * Key rotation across a running delivery (docs/security.md "Rotating the codec key"): the delivery
 * starts under key A; the worker and API restart with [B, A]; the delivery goes on and completes,
 * what A encrypted still decodes, and everything written after the restart carries B's key id.
 */
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { createLogger } from '../../observability/logger';
import { startBridge, type Bridge } from '../../scripts/bridge';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { EncryptionCodec, formatKeyRing, payloadKeyId, type CodecKey } from '../../security/codec';
import { createVtexDelivery, emit, vtexLog } from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const keyA: CodecKey = { id: 'rotation-a', key: randomBytes(32) };
const keyB: CodecKey = { id: 'rotation-b', key: randomBytes(32) };

let stack: TestStack;
let rotated: Bridge | undefined;

beforeAll(async () => {
  stack = await startTestStack({ env: { CODEC_KEYS: formatKeyRing([keyA]) } });
});
afterAll(async () => {
  await rotated?.stop();
  await stack?.stop();
});

/** Every payload of the history, event by event: [eventType, payload][] */
function payloadsOf(history: unknown): Array<[string, Payload]> {
  const out: Array<[string, Payload]> = [];
  const walk = (value: unknown, eventType: string): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) return value.forEach((v) => walk(v, eventType));
    const record = value as Record<string, unknown>;
    if (record.metadata && typeof record.metadata === 'object' && record.data instanceof Uint8Array) {
      out.push([eventType, record as Payload]);
      return;
    }
    for (const [k, v] of Object.entries(record)) {
      // Search attributes stay plaintext by Temporal's design (ids and statuses only).
      if (k === 'searchAttributes') continue;
      // A local activity marker's `data` is the SDK core's bookkeeping (seq, attempt, activity type,
      // times), written below the codec; its `result` goes through the codec like any payload.
      if (k === 'data' && eventType === 'markerRecordedEventAttributes') continue;
      // A patch marker (workflow versioning) holds only the patch id, written by the SDK core too.
      if (k === 'markerRecordedEventAttributes' && (v as { markerName?: string }).markerName === 'core_patch') continue;
      walk(v, k.endsWith('EventAttributes') ? k : eventType);
    }
  };
  walk(history, '');
  return out;
}

describe('rotating the codec key', () => {
  it('keeps a running delivery going from key A to [B, A]: old payloads decode, new ones carry B', async () => {
    const d = await createVtexDelivery(stack);
    const [first, ...rest] = SCENARIOS.happy.slice(1); // CREATED went out with the job
    await emit(stack, d.jobId, 'CREATED');
    await emit(stack, d.jobId, first!);
    await waitFor(() => vtexLog(stack, d.serviceId).includes('PATCH ASSIGNED'), { what: 'ASSIGNED under key A' });

    // Restart of the worker and API with the new ring, the new key first.
    await stack.bridge.stop();
    rotated = await startBridge({
      config: { ...stack.config, codecKeys: [keyB, keyA] },
      temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
      logger: createLogger({ level: 'silent' }),
      workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
      host: '127.0.0.1',
    });
    for (const type of rest) await emit(stack, d.jobId, type);
    const handle = rotated.client.workflow.getHandle(d.serviceId);
    const view = (await handle.result()) as { status: string; orderId: string };
    expect(view).toMatchObject({ status: 'DELIVERED', orderId: d.orderId });

    const payloads = payloadsOf(await handle.fetchHistory());
    const ids = (type: string) => [...new Set(payloads.filter(([t]) => t === type).map(([, p]) => payloadKeyId(p)))];
    expect(ids('workflowExecutionStartedEventAttributes')).toEqual(['rotation-a']);
    expect(ids('workflowExecutionCompletedEventAttributes')).toEqual(['rotation-b']);
    // Nothing in clear, and both keys were used.
    expect(payloads.filter(([, p]) => payloadKeyId(p) === undefined).map(([t]) => t)).toEqual([]);
    expect(new Set(payloads.map(([, p]) => payloadKeyId(p)))).toEqual(new Set(['rotation-a', 'rotation-b']));
    // The rotated ring still opens the old payloads; B alone would not.
    const [started] = payloads.find(([t]) => t === 'workflowExecutionStartedEventAttributes')!.slice(1) as [Payload];
    const [decoded] = await new EncryptionCodec([keyB, keyA]).decode([started]);
    expect(Buffer.from(decoded!.data!).toString()).toContain(d.orderId);
    await expect(new EncryptionCodec([keyB]).decode([started])).rejects.toThrow(/not in the key ring/);
  });
});
