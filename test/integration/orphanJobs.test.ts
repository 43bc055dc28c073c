/**
 * No job is left live at the engine for a delivery the platform is told failed: when creation
 * gives up after a POST /jobs was sent, the job tells of itself with its CREATED event (Instaleap
 * names the client_reference) and is canceled as the delivery's stray.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createServiceBody, createVtexDelivery, emit, finalView } from '../support/deliveries';
import { recordHistory } from '../support/histories';
import { useTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';
import { vtexServiceId } from '../../mapping/ids';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { CreateServiceRequest } from '../../contracts/vtex';
import { createActivities } from '../../activities';
import { SCENARIOS } from '../../sandboxes';
import type { StrayJobResult, strayJobWorkflow } from '../../workflows/strayJob';

describe('a create whose answer was lost, then an engine down past the window', () => {
  const stack = useTestStack({ env: { CREATION_GRACE_MS: '6000' } });

  it('cancels the job the engine made, and ends CANCELED and flagged', async () => {
    // The engine carries out POST /jobs but its answer never arrives...
    stack.engine.setFaults({ lostAnswerRate: 1, pathPattern: '^/jobs$' });
    const body = createServiceBody();
    const result = await stack.vtex.createService(body);
    expect(result.status).toBe(200);
    const serviceId = (result.body as { serviceId: string }).serviceId;
    const job = await waitFor(
      () => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0],
      {
        what: 'the unseen job',
      },
    );
    // ...then the engine is down until the delivery's window (and grace) has passed.
    stack.engine.setFaults({ errorRate: 1, errorStatuses: [503], pathPattern: '^/jobs' });
    await new Promise((resolve) => setTimeout(resolve, 7000));
    stack.engine.resetFaults();

    const view = await finalView(stack, serviceId, 60_000);
    expect(view).toMatchObject({ status: 'CANCELED', needsAttention: true });
    expect(view.job).toBeUndefined();
    expect(stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0]).toMatchObject({
      id: job.id,
      state: 'CANCELLED',
    });
    expect(stack.vtex.service(body.carrierId, serviceId)?.status).toBe('CANCELED');
    await recordHistory(stack.bridge.client, serviceId, 'orphan-job-canceled');
  }, 90_000);
});

/**
 * A worker ran the first attempt (slot, then POST /jobs) and was killed before its workflow task
 * completed: the job exists, the history does not know it (played here by the same activity). The
 * attempt on record then finds no slot: it failed before any create, so creation would stop at a
 * cancel. The engine's fault stays on until the caller resets it.
 */
async function createLostInTask(stack: TestStack) {
  const body = createServiceBody();
  const input = mapVtexCreateService(CreateServiceRequest.parse(body), {
    now: new Date(),
    creationGraceMs: stack.config.creationGraceMs,
  });
  // The job's CREATED event is held back (as a slow Instaleap webhook would): the engine tells of
  // the job only when the test emits its next event.
  const urls = stack.engine.webhookUrls();
  stack.engine.setWebhookUrls([]);
  let lost;
  try {
    lost = await createActivities({ config: stack.config }).createJobOnNewSlot({
      serviceId: input.serviceId,
      spec: input.spec,
    });
  } finally {
    stack.engine.setWebhookUrls(urls);
  }
  stack.engine.setFaults({ errorRate: 1, pathPattern: '^/jobs/availability/v2$' });
  return { body, input, lost };
}

describe('a job made by a create whose workflow task was lost, then a cancel during creation', () => {
  const stack = useTestStack();

  it('cancels the job the engine tells of, though the attempt on record failed before any create', async () => {
    const { body, input, lost } = await createLostInTask(stack);
    try {
      const created = await stack.vtex.createService(body);
      expect(created.status).toBe(200);
      const serviceId = (created.body as { serviceId: string }).serviceId;
      expect(serviceId).toBe(input.serviceId);
      // The engine's event of that job reaches the delivery (its webhook is ours), then VTEX cancels.
      stack.engine.emit(lost.job.job_id, 'ALLOCATED');
      await waitFor(() => stack.engine.deliveries({ jobId: lost.job.job_id }).find((a) => a.outcome === 'delivered'), {
        what: 'the event delivered to our webhook',
      });
      const canceled = await stack.vtex.cancelService(serviceId, 'Client gave up waiting', body.carrierId);
      expect(canceled.status).toBe(200);

      const view = await finalView(stack, serviceId, 30_000);
      expect(view.status).toBe('CANCELED');
      expect(stack.engine.job(lost.job.job_id)?.state).toBe('CANCELLED');
      expect(stack.engine.jobs().filter((j) => j.client_reference === input.serviceId)).toHaveLength(1);
    } finally {
      stack.engine.resetFaults();
    }
  }, 60_000);
});

describe('a job made by a create whose workflow task was lost, told of only after its delivery ended', () => {
  const stack = useTestStack();

  it('is canceled by a workflow of its own, started from the webhook', async () => {
    const { body, input, lost } = await createLostInTask(stack);
    try {
      const created = await stack.vtex.createService(body);
      expect(created.status).toBe(200);
      // VTEX cancels before any event of the job came: the delivery ends with no job it knows of.
      expect((await stack.vtex.cancelService(input.serviceId, 'Client gave up waiting', body.carrierId)).status).toBe(
        200,
      );
      expect((await finalView(stack, input.serviceId, 30_000)).status).toBe('CANCELED');
    } finally {
      stack.engine.resetFaults();
    }
    expect(stack.engine.job(lost.job.job_id)?.state).not.toBe('CANCELLED');

    // Then the engine tells of the job: its event is acknowledged, and the job is canceled.
    const event = stack.engine.emit(lost.job.job_id, 'ALLOCATED');
    await waitFor(() => stack.engine.deliveries({ jobId: lost.job.job_id }).find((a) => a.eventId === event.id), {
      what: 'the event answered',
    });
    expect(
      stack.engine
        .deliveries({ jobId: lost.job.job_id })
        .filter((a) => a.eventId === event.id)
        .map((a) => a.status),
    ).toEqual([200]);
    const stray = stack.bridge.client.workflow.getHandle(`stray-job-${lost.job.job_id}`);
    expect((await stray.result()) as StrayJobResult).toEqual({ outcome: 'canceled', jobId: lost.job.job_id });
    expect(stack.engine.job(lost.job.job_id)).toMatchObject({ state: 'CANCELLED' });

    // A second event of it starts nothing new: the one workflow per job has done its work.
    const { runId } = await stray.describe();
    // (The engine's own CANCELLED event of the job came in between, answered the same way.)
    const second = await emit(stack, lost.job.job_id, 'GOING_TO_ORIGIN_STARTED');
    const answers = stack.engine.deliveries({ jobId: lost.job.job_id });
    expect(answers.filter((a) => a.eventId === second.id).map((a) => a.status)).toEqual([200]);
    expect(answers.map((a) => a.status).filter((status) => status !== 200)).toEqual([]);
    expect((await stray.describe()).runId).toBe(runId);
  }, 60_000);

  it("leaves the ended delivery's own job alone: a late event of it is only acknowledged", async () => {
    const d = await createVtexDelivery(stack);
    for (const type of SCENARIOS.happy) await emit(stack, d.jobId, type);
    expect((await finalView(stack, d.serviceId)).status).toBe('DELIVERED');
    const late = await emit(stack, d.jobId, 'REFUSED');
    expect(
      stack.engine
        .deliveries({ jobId: d.jobId })
        .filter((a) => a.eventId === late.id)
        .map((a) => a.status),
    ).toEqual([200]);
    await expect(stack.bridge.client.workflow.getHandle(`stray-job-${d.jobId}`).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    expect(stack.engine.job(d.jobId)?.state).toBe('CLIENT_RECEIVED');
  }, 60_000);

  it('cancels only a live job of its own delivery: an ended, foreign or unknown job is reported, not touched', async () => {
    const d = await createVtexDelivery(stack);
    const other = await createVtexDelivery(stack);
    for (const type of SCENARIOS.happy) await emit(stack, d.jobId, type);
    expect((await finalView(stack, d.serviceId)).status).toBe('DELIVERED');
    const run = (serviceId: string, jobId: string) =>
      stack.bridge.client.workflow.execute<typeof strayJobWorkflow>('strayJobWorkflow', {
        workflowId: `stray-job-test-${randomUUID()}`,
        taskQueue: stack.config.temporal.taskQueue,
        args: [{ serviceId, jobId, eventId: randomUUID(), eventType: 'ALLOCATED' }],
      });
    expect(await run(d.serviceId, d.jobId)).toEqual({
      outcome: 'already-ended',
      jobId: d.jobId,
      status: 'CLIENT_RECEIVED',
    });
    expect(await run(d.serviceId, other.jobId)).toEqual({
      outcome: 'not-ours',
      jobId: other.jobId,
      clientReference: other.serviceId,
    });
    expect(stack.engine.job(other.jobId)?.state).not.toBe('CANCELLED');
    expect(await run(d.serviceId, 'no-such-job')).toEqual({ outcome: 'not-found', jobId: 'no-such-job' });
  }, 60_000);
});
