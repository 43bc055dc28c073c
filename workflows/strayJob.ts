/**
 * A job the engine tells of after its delivery ended, which the delivery never knew: a create
 * carried out by a workflow task that was lost (a worker killed after its `POST /jobs`), whose
 * delivery then ended (canceled before creation, creation given up) before any event of the job
 * reached it. Nobody would finish that job, and a driver would carry an order the platform was told
 * is canceled. The intake starts this workflow (one per job: its id is `stray-job-<jobId>`) from the
 * engine's webhook; it cancels the job unless the job already ended, and never touches a job whose
 * reference is not the delivery's. Deterministic code only.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType } from '../contracts/failures';
import { ENDED_JOB_STATES } from '../contracts/instaleapChoices';
import { failureMessage, isFailureOf } from './failures';

export interface StrayJobInput {
  /** The ended delivery the job's reference (and the webhook's key) names. */
  serviceId: string;
  jobId: string;
  /** The event that told of the job, for the record. */
  eventId: string;
  eventType: string;
}

export type StrayJobResult =
  | { outcome: 'canceled'; jobId: string }
  | { outcome: 'already-ended'; jobId: string; status: string }
  | { outcome: 'not-ours'; jobId: string; clientReference: string }
  | { outcome: 'not-found'; jobId: string }
  | { outcome: 'cancel-refused'; jobId: string; error: string };

/**
 * Retried with backoff for at most an hour (an engine refusing our key, or down, is not waited on
 * for ever: the workflow then fails, which the Web UI lists); a job or a cancel the engine says is
 * impossible is an outcome, not a retry.
 */
const engine = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [FailureType.NotFound],
  },
});

export async function strayJobWorkflow(input: StrayJobInput): Promise<StrayJobResult> {
  const { serviceId, jobId } = input;
  let job;
  try {
    job = await engine.getJob(jobId);
  } catch (err) {
    if (isFailureOf(err, [FailureType.NotFound])) return { outcome: 'not-found', jobId };
    throw err;
  }
  if (job.client_reference !== serviceId) {
    log.warn('Stray job not canceled: its reference is another delivery', { serviceId, jobId });
    return { outcome: 'not-ours', jobId, clientReference: job.client_reference };
  }
  if (job.state && ENDED_JOB_STATES.includes(job.state)) return { outcome: 'already-ended', jobId, status: job.state };
  try {
    await engine.cancelJob(jobId, `its delivery ${serviceId} had ended before the engine told of this job`);
  } catch (err) {
    // 409: the engine says the job cannot be canceled any more (a driver delivered it meanwhile).
    if (!isFailureOf(err, [FailureType.Conflict])) throw err;
    log.error('Stray job could not be canceled', { serviceId, jobId, error: failureMessage(err) });
    return { outcome: 'cancel-refused', jobId, error: failureMessage(err) };
  }
  log.info('Stray job of an ended delivery canceled', { serviceId, jobId, eventType: input.eventType });
  return { outcome: 'canceled', jobId };
}
