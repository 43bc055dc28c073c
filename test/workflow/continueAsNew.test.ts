/**
 * Continue-as-new (workflows/delivery.ts `runInbox`), on the time-skipping test server: once the
 * history passes `continueAsNewAfterEvents`, the delivery goes on in a new run with its state whole:
 * no second job, no second confirmation wait, the timeline, the events seen and the status carried.
 */
import type { DeliveryView } from '../../contracts/delivery';
import { carrierEventSignal } from '../../workflows/messages';
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

const server = useTimeSkippingEnvironment();

/** Carrier events that move a delivery forward without ending it, then the one that ends it. */
const PROGRESS = ['ALLOCATED', 'ARRIVED_TO_ORIGIN', 'PICKING_FINISHED', 'CHECKED_OUT', 'GOING_TO_DESTINATION_STARTED'];

describe('a delivery whose history passes continueAsNewAfterEvents', () => {
  it('continues as new carrying its state whole, and a run-1 event sent again in a later run is a duplicate', async () => {
    const log = new ActivityLog();
    const input = vtexDeliveryInput(await server.env.currentTimeMs(), { tuning: { continueAsNewAfterEvents: 40 } });
    const { worker, taskQueue } = await deliveryWorker(server.env, { ...engineMocks(log), ...vtexMocks(log) });

    const view = await worker.runUntil(async () => {
      const handle = await startDelivery(server.env, taskQueue, input);
      await server.env.sleep('10s'); // past the confirmation wait
      const linesOf = (state: DeliveryView, id: string) => state.timeline.filter((e) => e.eventId === id);
      /** Sends a carrier event and waits until the timeline has a new line for it. */
      const send = async (type: string, id: string) => {
        const before = linesOf(await stateOf(server.env, input.serviceId), id).length;
        await handle.signal(carrierEventSignal, carrierEvent(input, type, id, await server.env.currentTimeMs()));
        return eventually(async () => {
          const state = await stateOf(server.env, input.serviceId);
          return linesOf(state, id).length > before ? state : undefined;
        }, `event ${id} handled`);
      };
      const first = await send(PROGRESS[0]!, 'ev-0');
      expect(first).toMatchObject({ run: 1, status: 'ASSIGNED' });
      let state = first;
      for (let i = 1; i < PROGRESS.length; i += 1) state = await send(PROGRESS[i]!, `ev-${i}`);
      expect(state.status).toBe('ON_ROUTE');
      expect(state.run).toBeGreaterThan(first.run);
      // ev-0 again (the engine retrying its webhook), now in a later run: the ids seen are carried, so it is
      // one line, a duplicate; handled again, its move back from ON_ROUTE would add a refusal line.
      const duplicate = await send('ALLOCATED', 'ev-0');
      expect(linesOf(duplicate, 'ev-0').map((e) => e.kind)).toEqual(['event', 'event']);
      expect(duplicate.status).toBe('ON_ROUTE');
      await send('CLIENT_RECEIVED', 'ev-end');
      // The view of the run that ended, by query: the Java test server's result of a chain of
      // continued runs can stay unanswered (handle.result() does not come back).
      return eventually(async () => {
        const ended = await stateOf(server.env, input.serviceId);
        return ended.phase === 'ended' ? ended : undefined;
      }, 'the delivery ended');
    });

    expect(view.run).toBeGreaterThanOrEqual(2);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', needsAttention: false });
    expect(view.job?.jobId).toBeDefined();
    // One job, one first report: the later runs neither created again nor waited for a confirmation again.
    expect(log.of('createJobOnNewSlot')).toHaveLength(1);
    expect(log.of('createJob')).toHaveLength(0);
    expect(log.of('vtexPostPackageLabels')).toHaveLength(1);
    // Run 1's timeline came along: every event, in order.
    const eventIds = view.timeline.filter((e) => e.kind === 'event').map((e) => e.eventId);
    expect(eventIds.slice(0, 1)).toEqual(['ev-0']);
    expect(eventIds.at(-1)).toBe('ev-end');
    expect(eventIds.filter((id) => id === 'ev-0')).toHaveLength(2);
    // The duplicate was not reported: one PATCH per status change, the first report included.
    const statuses = log.of('vtexUpdateService').map((c) => (c.args[1] as { status?: string }).status);
    expect(statuses.filter((s) => s === 'ASSIGNED')).toHaveLength(1);
    expect(statuses.at(-1)).toBe('DELIVERED');
  });
});
