/**
 * The chaos run reads every open workflow's pending workflow task (scripts/chaos/observe.ts) and
 * the checker names one that fails attempt after attempt: through the real dev server, a workflow
 * whose every task throws.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pendingWorkflowTaskOf } from '../../scripts/chaos/observe';
import { checkDeliveries, wedgedTask, WEDGED_TASK_ATTEMPTS } from '../../scripts/chaos/checker';
import { waitFor } from '../support/waitFor';

const address = () => {
  const value = process.env.TEST_TEMPORAL_ADDRESS;
  if (!value) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest');
  return value;
};

it('finds a workflow task failing repeatedly, with the failure Temporal recorded', async () => {
  const taskQueue = `wedged-${randomUUID()}`;
  const workflowId = `wedged-${randomUUID()}`;
  const connection = await Connection.connect({ address: address() });
  const client = new Client({ connection });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: address() }),
    taskQueue,
    workflowsPath: require.resolve('../support/wedgedWorkflow'),
  });
  try {
    await worker.runUntil(async () => {
      await client.workflow.start('wedgedWorkflow', { taskQueue, workflowId, workflowTaskTimeout: '2s' });
      const task = await waitFor(
        async () => {
          const pending = await pendingWorkflowTaskOf(client, workflowId);
          return pending && pending.attempt >= WEDGED_TASK_ATTEMPTS ? pending : undefined;
        },
        { what: `attempt ${WEDGED_TASK_ATTEMPTS} of the workflow task`, timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(task.lastFailure).toMatchObject({
        cause: expect.stringMatching(/WORKFLOW_TASK_FAILED_CAUSE/),
        message: expect.stringContaining('fails on purpose'),
      });
      expect(wedgedTask(task)).toMatch(/failing repeatedly/);
    });
  } finally {
    await client.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => undefined);
    await connection.close();
  }
  // The checker itself, on what the run collects for such a delivery.
  const verdict = checkDeliveries([
    {
      index: 0,
      kind: 'happy',
      platform: 'vtex',
      serviceId: workflowId,
      accepted: true,
      intakeAttempts: 1,
      jobsOfDelivery: [],
      played: false,
      events: [],
      commands: [],
      workflow: { status: 'RUNNING', pendingTask: { attempt: WEDGED_TASK_ATTEMPTS } },
    },
  ]);
  expect(verdict.byClass['wedged-workflow-task']).toBe(1);
}, 120_000);
