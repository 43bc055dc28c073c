/**
 * Five deliveries of a 1,000-delivery chaos run (the service SIGKILLed every 20 s) whose own
 * history stopped replaying: every workflow task failed after a kill and the delivery stood still.
 * Each failing point is a timer beside a local activity's marker in one workflow task: a status
 * report sent as a local activity with its 600 s patience timer, or a local retry's backoff timer.
 *
 * The cause, read from the events: a local activity that completed while its workflow task was
 * being completed had its marker recorded in that task, but its result reached the workflow only
 * in the next task, so the timer started beside it was sent and canceled a task later. On replay
 * the SDK resolves the local activity from its marker inside the same task: the workflow cancels
 * the timer before the command is sent, and the history's TimerStarted (or the upsert after it) has
 * no command to match. No workflow code can replay these histories: the order they record depends
 * on when the activity finished relative to the task, which code cannot know. The fix is that no
 * delivery runs a local activity (test/integration/noLocalActivities.test.ts); these histories
 * stay as the proof that a history whose recorded commands the code does not make is refused.
 *
 * vtex-CHAOS-499-101 is kept with them: its nondeterminism is in its last workflow task, which the
 * replayer logs ("Timer fired event did not have expected timer id 5, it was 4!") without throwing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { DEV_KEY_RING } from '../../security/codec';
import { createDataConverter } from '../../security/dataConverter';
import { installRuntime } from '../../worker/runtime';
import { createLogger } from '../../observability/logger';
import { HISTORIES_DIR } from '../support/histories';

const RACE_DIR = path.join(HISTORIES_DIR, 'local-activity-race');

describe('histories that recorded the local-activity race', () => {
  beforeAll(() => installRuntime(createLogger({ level: 'silent' })));

  // What each failing task said on the code that recorded it (local activities, before version 1.0).
  // The code today makes no local activity at all, so replay now stops at the first one.
  it.each([
    [
      'vtex-CHAOS-499-201-53fuk4mjxj',
      'Activity machine does not handle this event: HistoryEvent(id: 53, TimerStarted)',
    ],
    [
      'vtex-CHAOS-499-462-pmmuwnwj65',
      'Timer machine does not handle this event: HistoryEvent(id: 54, UpsertWorkflowSearchAttributes)',
    ],
    ['vtex-CHAOS-499-586-3blzyjuo4h', 'No command scheduled for event HistoryEvent(id: 45, TimerStarted)'],
    [
      'vtex-CHAOS-499-864-kvxp4yh35m',
      'Timer machine does not handle this event: HistoryEvent(id: 57, UpsertWorkflowSearchAttributes)',
    ],
  ])('%s is refused with the SDK determinism error (recorded failure: %s)', async (name) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(RACE_DIR, `${name}.json`), 'utf8')));
    const replay = Worker.runReplayHistory(
      {
        workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
        // Recorded from `npm start` with the development key ring: payloads are encrypted.
        dataConverter: createDataConverter(DEV_KEY_RING),
      },
      history,
      name,
    );
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
