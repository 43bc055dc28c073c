/**
 * Every recorded history in test/histories runs through the current workflow code. A change that
 * makes the workflow non-deterministic for deliveries already in flight fails here, before it
 * reaches a worker. Histories are recorded from real runs: `RECORD_HISTORIES=1 npm test`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../support/histories';
import { installRuntime } from '../../worker/runtime';
import { createLogger } from '../../observability/logger';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded delivery histories', () => {
  beforeAll(() => installRuntime(createLogger({ level: 'silent' })));

  it('has recorded histories of the main lives to replay', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const life of [
      'create-service-happy',
      'delivered-full-life',
      'paused-and-resumed',
      'canceled-during-creation',
      'canceled-before-any-job',
      'creation-failed-past-window',
      'continued-as-new-last-run',
      'abbiamo-delivered',
    ]) {
      expect(names).toContain(life);
    }
  });

  it.each(files)('replays %s deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, file);
  });
});
