/**
 * A delivery's history holds no local activity: its first create and every status report are
 * regular activities, recorded when they complete. With local activities, one that completed while
 * its workflow task was being completed was resolved live in the next task and on replay in the
 * same one, so a timer beside it no longer matched the history and the delivery wedged for good
 * (test/replay/localActivityRace.test.ts replays five such histories from a chaos run).
 */
import { temporal } from '@temporalio/proto';
import { createVtexDelivery, emit, finalView, vtexLog } from '../support/deliveries';
import { useTestStack } from '../support/stack';

const stack = useTestStack();
const { EventType } = temporal.api.enums.v1;

describe('a delivery runs no local activity', () => {
  it('creates its job and reports every status through activities recorded in its history', async () => {
    const d = await createVtexDelivery(stack);
    for (const type of [
      'ALLOCATED',
      'PICKING_FINISHED',
      'CHECKED_OUT',
      'GOING_TO_DESTINATION_STARTED',
      'CLIENT_RECEIVED',
    ])
      await emit(stack, d.jobId, type);
    const view = await finalView(stack, d.serviceId);
    expect(view).toMatchObject({ status: 'DELIVERED', phase: 'ended', pendingReports: 0 });

    const history = await stack.bridge.client.workflow.getHandle(d.serviceId).fetchHistory();
    const events = history.events ?? [];
    const markers = events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
      .map((e) => e.markerRecordedEventAttributes?.markerName);
    expect(markers).not.toContain('core_local_activity');
    const activities = events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(activities).toContain('createJobOnNewSlot');
    // Every PATCH VTEX took was scheduled as an activity of this history, once.
    const patches = vtexLog(stack, d.serviceId).filter((line) => line.startsWith('PATCH'));
    expect(activities.filter((name) => name === 'vtexUpdateService')).toHaveLength(patches.length);
  });
});
