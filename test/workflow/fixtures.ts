/**
 * What the workflow tests share: Temporal's time-skipping test server (scripts/test-server.ts), a
 * worker running the delivery workflows with mocked activities, a VTEX delivery's input, and the
 * mocks of the Delivery Engine and VTEX, typed against `Activities`. Every mock lives here: when an
 * activity's arguments or answer change, this file is the one to follow.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { failureFor } from '../../activities/failures';
import example from '../../contracts/examples/vtex.create-service.json';
import type { DeliveryInput, DeliveryView } from '../../contracts/delivery';
import type { ChosenSlot, CreateJobResponse, JobEvent } from '../../contracts/deliveryEngine';
import { creationAttemptDetail } from '../../contracts/failures';
import { CreateServiceRequest } from '../../contracts/vtex';
import { mapVtexCreateService } from '../../mapping/vtexToJob';
import { ensureTestServer } from '../../scripts/test-server';
import { labelId } from '../../security/labelLinks';
import { LABEL_FORMATS } from '../../security/labelSigning';
import { bundleDeliveryWorkflows } from '../../worker/bundle';
import type { deliveryWorkflow } from '../../workflows/delivery';
import { WorkflowType, deliveryStateQuery } from '../../workflows/messages';
import { DELIVERY_SEARCH_ATTRIBUTES, startMemo, startSearchAttributes } from '../../workflows/searchAttributes';

/**
 * The time-skipping test server, started for one test file (its clock is the file's own), with the
 * delivery's search attributes registered (the test server lists none, so they are added blind).
 */
/** The file's time-skipping environment (below), started before its tests and torn down after them. */
export function useTimeSkippingEnvironment(): { readonly env: TestWorkflowEnvironment } {
  const held = {} as { env: TestWorkflowEnvironment };
  beforeAll(async () => {
    held.env = await timeSkippingEnvironment();
  });
  afterAll(async () => {
    await held.env?.teardown();
  });
  return held;
}

export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = await ensureTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      DELIVERY_SEARCH_ATTRIBUTES.map((key) => [
        key.name,
        temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
      ]),
    ),
  });
  return env;
}

/**
 * The SDK's own logs at ERROR only: mocked failures are the tests' point, not news. (One runtime
 * per process: the first install wins.)
 */
function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
  } catch {
    // Already installed in this process.
  }
}

let bundle: Promise<{ code: string } | { codePath: string }> | undefined;

/** The production workflow bundle: built once by test/workflow/globalSetup.ts, or here. */
function workflowBundle(): Promise<{ code: string } | { codePath: string }> {
  const built = process.env.TEST_WORKFLOW_BUNDLE;
  bundle ??= built ? Promise.resolve({ codePath: built }) : bundleDeliveryWorkflows().then((code) => ({ code }));
  return bundle;
}

/** A worker on a task queue of its own, running the delivery workflows with these activities. */
export async function deliveryWorker(
  env: TestWorkflowEnvironment,
  activities: Partial<Activities>,
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `workflow-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  return { worker, taskQueue };
}

/** Starts a delivery as the intake does: workflow id = serviceId, the input whole, its search attributes and memo. */
export async function startDelivery(env: TestWorkflowEnvironment, taskQueue: string, input: DeliveryInput) {
  return env.client.workflow.start<typeof deliveryWorkflow>(WorkflowType.delivery, {
    taskQueue,
    workflowId: input.serviceId,
    args: [input],
    typedSearchAttributes: startSearchAttributes(input, new Date(await env.currentTimeMs())),
    memo: startMemo(input),
  });
}

/**
 * The delivery's state query (it reaches the latest run). The Java test server leaves a query that
 * arrives while the run continues as new unanswered for good: each try gets 2 s, then it is asked
 * again (the new run answers).
 */
export async function stateOf(env: TestWorkflowEnvironment, serviceId: string): Promise<DeliveryView> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await env.client.withDeadline(Date.now() + 2000, () =>
        env.client.workflow.getHandle(serviceId).query(deliveryStateQuery),
      );
    } catch (err) {
      if (attempt >= 8) throw err;
    }
  }
}

let seq = 0;

/** The input the intake makes of VTEX's own Create service example, at workflow time `now`. */
export function vtexDeliveryInput(now: number, overrides: Partial<DeliveryInput> = {}): DeliveryInput {
  seq += 1;
  const body = CreateServiceRequest.parse({ ...structuredClone(example), orderId: `WF-${process.pid}-${seq}` });
  return { ...mapVtexCreateService(body, { now: new Date(now), creationGraceMs: 30 * 60_000 }), ...overrides };
}

/** One attempt of an activity, with the workflow time the server scheduled it at. */
export interface ActivityCall {
  activity: keyof Activities;
  args: unknown[];
  scheduledAt: number;
}

/** Every activity attempt the mocks saw, in order. */
export class ActivityLog {
  readonly calls: ActivityCall[] = [];

  of(activity: keyof Activities): ActivityCall[] {
    return this.calls.filter((c) => c.activity === activity);
  }

  record(activity: keyof Activities, args: unknown[]): number {
    const scheduledAt = Context.current().info.currentAttemptScheduledTimestampMs;
    this.calls.push({ activity, args, scheduledAt });
    return scheduledAt;
  }
}

/**
 * What the engine answers one call: success, an HTTP refusal (classified as the real activity does),
 * no answer with nothing done ('unreachable'), or, for `POST /jobs`, no answer although the job was
 * made ('lost': Instaleap does not promise one job per client_reference, so a retry makes another).
 */
export type EngineAnswer = 'ok' | { status: number } | 'unreachable' | 'lost';

export interface EngineScript {
  /**
   * `POST /jobs`, per attempt (1 = the first, inside createJobOnNewSlot), and the workflow time the
   * attempt was scheduled at; default 'ok'. A promise holds the attempt until it settles (for what
   * the test sends meanwhile).
   */
  jobs?: (attempt: number, now: number) => EngineAnswer | Promise<EngineAnswer>;
  /** Slot searches, per attempt; default 'ok'. */
  slots?: (attempt: number) => EngineAnswer;
  /** `POST /jobs/:id/cancel`; default 'ok'. */
  cancel?: () => EngineAnswer;
  /** Jobs the engine holds that no create of this delivery made: job id -> its client_reference. */
  otherJobs?: Record<string, string>;
}

/** The job of the create whose answer came back: the delivery's own. */
export const jobIdOf = (clientReference: string) => `job-${clientReference}`;

/** The job a create made although its answer was lost (attempt as in EngineScript.jobs). */
export const lostJobIdOf = (clientReference: string, attempt: number) => `job-${clientReference}-lost-${attempt}`;

/** The Delivery Engine's activities, answering as `script` says; every attempt is logged. */
export function engineMocks(log: ActivityLog, script: EngineScript = {}): Partial<Activities> {
  let jobAttempts = 0;
  let slotAttempts = 0;
  /** Every job the engine holds: id -> client_reference. */
  const jobs = new Map<string, string>(Object.entries(script.otherJobs ?? {}));
  const answer = (outcome: EngineAnswer, method: string, path: string): void => {
    if (outcome === 'ok') return;
    if (outcome === 'unreachable' || outcome === 'lost')
      throw ApplicationFailure.create({ type: 'Network', message: `Delivery Engine ${method} ${path}: ECONNREFUSED` });
    throw failureFor({
      system: 'Delivery Engine',
      method,
      path,
      status: outcome.status,
      body: { message: 'scripted' },
    });
  };
  const slot = (now: number): ChosenSlot => {
    slotAttempts += 1;
    answer(script.slots?.(slotAttempts) ?? 'ok', 'POST', '/jobs/availability/v2');
    return {
      slot_id: `slot-${slotAttempts}`,
      from: new Date(now + 60 * 60_000).toISOString(),
      to: new Date(now + 2 * 60 * 60_000).toISOString(),
      expires_at: new Date(now + 10 * 60_000).toISOString(),
      operational_model: 'FULL_SERVICE',
      priceCents: 1250,
      currency: 'BRL',
    };
  };
  const job = async (clientReference: string, now: number): Promise<CreateJobResponse> => {
    jobAttempts += 1;
    const outcome = await (script.jobs?.(jobAttempts, now) ?? 'ok');
    if (outcome === 'lost') jobs.set(lostJobIdOf(clientReference, jobAttempts), clientReference);
    answer(outcome, 'POST', '/jobs');
    jobs.set(jobIdOf(clientReference), clientReference);
    return { message: 'Job created', job_id: jobIdOf(clientReference) };
  };
  const expiry = (now: number) => new Date(now + 10 * 60_000).toISOString();
  return {
    async findSlot(search) {
      return slot(log.record('findSlot', [search]));
    },
    async createJobOnNewSlot(input) {
      const now = log.record('createJobOnNewSlot', [input]);
      let first: ChosenSlot;
      try {
        first = slot(now);
      } catch (err) {
        // As the real activity says it: no POST /jobs was sent.
        const failure = err as ApplicationFailure;
        throw ApplicationFailure.create({
          type: failure.type ?? undefined,
          message: failure.message,
          nonRetryable: Boolean(failure.nonRetryable),
          details: [creationAttemptDetail(false)],
        });
      }
      return { slot: first, job: await job(input.spec.clientReference, now) };
    },
    async checkSlot(slotId) {
      return { valid: true, expires_at: expiry(log.record('checkSlot', [slotId])) };
    },
    async extendSlot(slotId) {
      return { valid: true, expires_at: expiry(log.record('extendSlot', [slotId])) };
    },
    async createJob(input) {
      return job(input.spec.clientReference, log.record('createJob', [input]));
    },
    async getJob(jobId) {
      log.record('getJob', [jobId]);
      const clientReference = jobs.get(jobId);
      if (clientReference === undefined)
        throw failureFor({
          system: 'Delivery Engine',
          method: 'GET',
          path: `/jobs/${jobId}`,
          status: 404,
          body: { message: 'scripted' },
        });
      return { id: jobId, client_reference: clientReference, state: 'CREATED' };
    },
    async cancelJob(jobId, reason) {
      log.record('cancelJob', [jobId, reason]);
      answer(script.cancel?.() ?? 'ok', 'POST', `/jobs/${jobId}/cancel`);
    },
    async holdJob(input) {
      log.record('holdJob', [input]);
    },
    async updateRecipient(input) {
      log.record('updateRecipient', [input]);
    },
  };
}

/** VTEX's tracking calls, taking every call unless `refuse` names an HTTP status for it. */
export function vtexMocks(
  log: ActivityLog,
  refuse: (activity: keyof Activities) => number | undefined = () => undefined,
): Partial<Activities> {
  const take = (activity: keyof Activities, args: unknown[]) => {
    log.record(activity, args);
    const status = refuse(activity);
    if (status !== undefined)
      throw failureFor({ system: 'VTEX', method: 'POST', path: `/${activity}`, status, body: { message: 'scripted' } });
    return { outcome: 'sent' as const };
  };
  return {
    vtexUpdateService: async (...args) => take('vtexUpdateService', args),
    vtexAddNotes: async (...args) => take('vtexAddNotes', args),
    vtexAddEvidences: async (...args) => take('vtexAddEvidences', args),
    vtexAddLabel: async (...args) => take('vtexAddLabel', args),
    vtexCancelService: async (...args) => take('vtexCancelService', args),
    vtexHoldService: async (...args) => take('vtexHoldService', args),
    // Every package's labels, none of them held by VTEX yet: all posted.
    vtexPostPackageLabels: async (...args) => {
      take('vtexPostPackageLabels', args);
      const [target, packageCount] = args;
      const numbers = Array.from({ length: packageCount }, (_, i) => i + 1);
      const sent = numbers.flatMap((n) => LABEL_FORMATS.map((format) => labelId(target.serviceId, n, format)));
      return { sent, alreadyPresent: [] };
    },
  };
}

/**
 * A carrier event of a job with the delivery's reference (by default the delivery's own job), as the
 * intake hands it to the workflow.
 */
export function carrierEvent(
  input: DeliveryInput,
  type: string,
  id: string,
  at: number,
  jobId = jobIdOf(input.spec.clientReference),
): JobEvent {
  return {
    id,
    type,
    created_at: new Date(at).toISOString(),
    job: { id: jobId, client_reference: input.spec.clientReference },
  };
}

/**
 * Polls `check` (real time, not workflow time) until it returns a value: for what the workflow does
 * asynchronously after a signal or a skipped sleep (an activity run, a query's answer).
 */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
