/**
 * The platform's confirmation wait (workflows/delivery.ts `begin`), on the time-skipping test server:
 * VTEX takes no tracking call until 5 s (plus our margin) after it got our Create answer, and an
 * answer that left later pushes that moment later. Time is skipped, not waited.
 */
import { DEFAULT_CONFIRMATION_DELAY_MS, DEFAULT_CONFIRMATION_MARGIN_MS } from '../../contracts/delivery';
import { packagesOf } from '../../mapping/labelContent';
import { carrierEventSignal, serviceAnsweredSignal } from '../../workflows/messages';
import {
  ActivityLog,
  carrierEvent,
  deliveryWorker,
  engineMocks,
  eventually,
  startDelivery,
  stateOf,
  useTimeSkippingEnvironment,
  vtexDeliveryInput,
  vtexMocks,
} from './fixtures';

const CONFIRMATION_WAIT_MS = DEFAULT_CONFIRMATION_DELAY_MS + DEFAULT_CONFIRMATION_MARGIN_MS;

const server = useTimeSkippingEnvironment();

describe('the confirmation wait of a VTEX delivery', () => {
  it('makes no VTEX call until 5 s after the answer, then sends the first report and the carrier events in order', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(server.env, { ...engineMocks(log), ...vtexMocks(log) });

    let startedAt = 0;
    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      startedAt = (await handle.describe()).startTime.getTime();
      await server.env.sleep('10s');
      await eventually(() => (log.of('vtexUpdateService').length > 0 ? true : undefined), 'the first PATCH');
      expect(await stateOf(server.env, input.serviceId)).toMatchObject({ phase: 'active', status: 'PENDING' });

      const now = await server.env.currentTimeMs();
      await handle.signal(carrierEventSignal, carrierEvent(input, 'ALLOCATED', 'ev-1', now));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'CLIENT_RECEIVED', 'ev-2', now + 1));
      return handle.result();
    });

    // Every VTEX call, the first PATCH included, was made once the confirmation wait had passed
    // (the server's scheduling time of each call: workflow time, skipped).
    const vtexCalls = log.calls.filter((c) => c.activity.startsWith('vtex'));
    expect(vtexCalls.length).toBeGreaterThan(0);
    for (const call of vtexCalls) expect(call.scheduledAt).toBeGreaterThanOrEqual(startedAt + CONFIRMATION_WAIT_MS);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false });
    const events = view.timeline.filter((e) => e.kind === 'event').map((e) => e.eventId);
    expect(events).toEqual(['ev-1', 'ev-2']);
    const statuses = view.timeline.filter((e) => e.kind === 'status' && e.status).map((e) => e.status);
    expect(statuses).toEqual(['ASSIGNED', 'DELIVERED']);
    const patched = log.of('vtexUpdateService').map((c) => (c.args[1] as { status?: string }).status);
    expect(patched).toEqual(['PENDING', 'ASSIGNED', 'DELIVERED']);
    // The packages' labels go once, with the first report.
    expect(log.of('vtexPostPackageLabels').map((c) => c.args[1])).toEqual([packagesOf(input).length]);
  });

  it('counts the 5 s from when the answer actually left, when that was later', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs());
    const { worker, taskQueue } = await deliveryWorker(server.env, { ...engineMocks(log), ...vtexMocks(log) });

    await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      const startedAt = (await handle.describe()).startTime.getTime();
      // The API answered VTEX a minute after the start (a burst): it says so.
      const answeredAt = startedAt + 60_000;
      await handle.signal(serviceAnsweredSignal, { at: answeredAt });

      // Long past the 5 s after the start, still waiting (the test server's clock also runs in real
      // time: the margin to answeredAt is wide).
      await server.env.sleep(30_000);
      expect(await stateOf(server.env, input.serviceId)).toMatchObject({ phase: 'waiting-confirmation' });
      expect(log.of('vtexUpdateService')).toHaveLength(0);

      await server.env.sleep(35_000 + CONFIRMATION_WAIT_MS);
      const [firstReport] = await eventually(() => {
        const patches = log.of('vtexUpdateService');
        return patches.length > 0 ? patches : undefined;
      }, 'the first PATCH');
      expect(firstReport!.scheduledAt).toBeGreaterThanOrEqual(answeredAt + CONFIRMATION_WAIT_MS);
      await handle.terminate('test done');
    });
  });
});
