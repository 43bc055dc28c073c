/**
 * The intake's only door to Temporal: starts, updates, signals and reads delivery workflows.
 * Route handlers stay thin; every rule about workflow ids, deadlines and "is this delivery still
 * open" lives here.
 */
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { JobEvent, JobEventOutcome } from '../contracts/deliveryEngine';
import type { ServiceStatus } from '../contracts/vtex';
import type { Logger } from '../observability/logger';
import type { deliveryWorkflow } from '../workflows/delivery';
import type { StrayJobInput, strayJobWorkflow } from '../workflows/strayJob';
import {
  cancelSignal,
  carrierEventSignal,
  createServiceUpdate,
  pauseSignal,
  receiverSignal,
  releasePickupUpdate,
  serviceAnsweredSignal,
  WorkflowType,
} from '../workflows/messages';
import {
  CarrierIdKey,
  DeliveryStatusKey,
  JobIdKey,
  PlatformKey,
  RouteIdKey,
  startMemo,
  startSearchAttributes,
} from '../workflows/searchAttributes';
import {
  type CancelOrder,
  createServiceAnswer,
  DEFAULT_CONFIRMATION_MARGIN_MS,
  type CreateServiceAnswer,
  type DeliveryInput,
  type DeliveryTuning,
  type DeliveryView,
  type PickupRelease,
  type Platform,
  type ReceiverChange,
} from '../contracts/delivery';
import { conflict, notFound, unavailable } from './errors';
import { readDeliveryView } from './readDelivery';

export interface DeliveryGatewayOptions {
  client: Client;
  taskQueue: string;
  /** How long Create service waits for the job before answering PENDING. */
  createAnswerDeadlineMs: number;
  /** Past this, Create service answers 503 unless Temporal showed the delivery exists (VTEX waits 5 s). */
  createHardDeadlineMs: number;
  /** Applied to every delivery this gateway starts. */
  tuning?: DeliveryTuning;
  logger: Logger;
}

/** A delivery as Temporal knows it, without asking the worker. */
export interface DeliverySummary {
  serviceId: string;
  running: boolean;
  workflowStatus: string;
  status?: ServiceStatus;
  carrierId?: string;
  platform?: string;
  /** The job its workflow created (search attribute JobId), once there is one. */
  jobId?: string;
  memo?: Record<string, unknown>;
}

type PublicAnswer = Omit<CreateServiceAnswer, 'producedAt'>;

/** A delivery whose workflow exists: started now or running already, or ended before. */
export interface StartedDelivery {
  serviceId: string;
  workflow: 'running' | 'ended';
}

/** A delivery of a route as visibility lists it, with its state when the workflow answers. */
export interface RouteDelivery {
  serviceId: string;
  workflowStatus: string;
  status?: ServiceStatus;
  view?: DeliveryView;
}

const QUERY_TIMEOUT_MS = 3000;
/** An update-with-start not answered by then is slow: a proof that the workflow exists goes out (`proveStarted`). */
const PROOF_AFTER_MS = 1000;
/** Create service calls in flight at which a call is answered PENDING as soon as its workflow exists (`createInBurst`). */
const BUSY_IN_FLIGHT = 8;
/** How long after a PENDING answer the update's own answer is awaited to know if a signal is needed. */
const ANSWERED_DECISION_MS = 300;
/** Workflow starts (and route queries) in flight at once for one request. */
const PARALLEL_CALLS = 8;
/** More deliveries than this on one route is not a route: the listing stops there. */
const ROUTE_LIMIT = 500;

export class DeliveryGateway {
  /** Calls to Temporal that outlive their request (a late signal, a start sent as proof). */
  private readonly background = new Set<Promise<unknown>>();
  /** Create service calls still waiting for Temporal. */
  private creating = 0;

  constructor(private readonly options: DeliveryGatewayOptions) {}

  private inBackground<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.background.delete(tracked));
    tracked.catch(() => undefined); // its own caller handles the failure, if it still cares
    this.background.add(tracked);
    return tracked;
  }

  /** Waits (at most `ms`) for background calls, so the connection can close under none. */
  async drain(ms = 5000): Promise<void> {
    await raceDeadline(Promise.allSettled([...this.background]), Date.now() + ms);
  }

  private get workflows() {
    return this.options.client.workflow;
  }

  /** The gateway's tuning (from configuration) under the delivery's own. */
  private tuningOf(input: DeliveryInput): DeliveryTuning {
    return { ...this.options.tuning, ...input.tuning };
  }

  private startOptions(input: DeliveryInput) {
    return {
      workflowId: input.serviceId,
      taskQueue: this.options.taskQueue,
      args: [{ ...input, tuning: this.tuningOf(input) }] as [DeliveryInput],
      // The same delivery again joins the running workflow; an ended one is never started twice.
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      typedSearchAttributes: startSearchAttributes(input),
      memo: startMemo(input),
    };
  }

  /**
   * Starts the delivery's workflow and waits for its job in one step (update-with-start), within
   * the platform's deadline. PENDING is answered early only with proof the workflow exists: when
   * the update is slow (a slow engine), a plain start (idempotent: USE_EXISTING) is sent alongside,
   * and its answer is that proof. Without proof by the hard deadline the answer is a 503: VTEX
   * retries, and the retry is safe. `afterAnswer` tells the workflow when we actually answered, so
   * its 5-second confirmation timer counts from there. In a burst, see `createInBurst`.
   */
  async createService(
    input: DeliveryInput,
    receivedAt: number,
  ): Promise<{ answer: PublicAnswer; afterAnswer: () => void }> {
    const inBurst = this.creating >= BUSY_IN_FLIGHT;
    this.creating += 1;
    try {
      return await (inBurst ? this.createInBurst(input, receivedAt) : this.createAndWait(input, receivedAt));
    } finally {
      this.creating -= 1;
    }
  }

  /**
   * Many calls in flight is a burst: workflows' answers queue behind each other, and calls queue in
   * the socket before we see them (time our deadline cannot count). No job can be waited for then,
   * so the call costs Temporal one request: signal-with-start creates the workflow (or joins the
   * running one: USE_EXISTING) and tells it in the same write that we answer by the hard deadline
   * at the latest, so its 5-second confirmation timer counts from there. Its answer is the proof,
   * and the call is answered PENDING at once. No proof by the hard deadline is a 503.
   *
   * Its first workflow task waits until that hard deadline (a start delay): while the burst's calls
   * are still being answered, Temporal registers deliveries instead of running the ones it has.
   * A job has the slot's minutes, an answer VTEX's 5 seconds. Another signal-with-start (VTEX
   * calling again) ends the wait at once; other signals are kept and handled when it ends.
   */
  private async createInBurst(
    input: DeliveryInput,
    receivedAt: number,
  ): Promise<{ answer: PublicAnswer; afterAnswer: () => void }> {
    const hardDeadline = receivedAt + this.options.createHardDeadlineMs;
    const started = await raceDeadline(
      this.inBackground(
        this.options.client.connection.withDeadline(hardDeadline, () =>
          this.workflows.signalWithStart<typeof deliveryWorkflow, [{ at: number }]>(WorkflowType.delivery, {
            ...this.startOptions(input),
            startDelay: Math.max(0, hardDeadline - Date.now()),
            signal: serviceAnsweredSignal,
            signalArgs: [{ at: hardDeadline }],
          }),
        ),
      ),
      hardDeadline,
    );
    if (started.kind === 'value')
      return { answer: createServiceAnswer(input.serviceId, 'PENDING', undefined), afterAnswer: () => undefined };
    if (started.kind === 'error' && started.error instanceof WorkflowExecutionAlreadyStartedError)
      return { answer: await this.answerFromEnded(input.serviceId), afterAnswer: () => undefined };
    throw this.notRegistered(input.serviceId, started);
  }

  /** No proof by the hard deadline that Temporal holds the workflow: a 503, which VTEX retries safely. */
  private notRegistered(serviceId: string, raced: Raced<unknown>): Error {
    this.options.logger.error(
      { serviceId, err: raced.kind === 'error' ? String(raced.error) : 'hard deadline' },
      'could not register the delivery in time',
    );
    return unavailable('The delivery could not be registered in time; retry the same request');
  }

  private async createAndWait(
    input: DeliveryInput,
    receivedAt: number,
  ): Promise<{ answer: PublicAnswer; afterAnswer: () => void }> {
    const deadline = receivedAt + this.options.createAnswerDeadlineMs;
    const hardDeadline = receivedAt + this.options.createHardDeadlineMs;
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof deliveryWorkflow>(
      WorkflowType.delivery,
      this.startOptions(input),
    );
    // The workflow answers a little before our deadline, so its answer can still travel back.
    const waitMs = Math.max(0, deadline - Date.now() - 300);
    // Bounded: past the hard deadline nobody waits for it, and an unbounded call would keep retrying
    // (Temporal unreachable) long after its request was answered.
    const update = this.inBackground(
      this.options.client.connection.withDeadline(hardDeadline, () =>
        this.workflows.executeUpdateWithStart(createServiceUpdate, { args: [{ waitMs }], startWorkflowOperation }),
      ),
    );

    let outcome = await raceDeadline(update, Math.min(deadline, receivedAt + PROOF_AFTER_MS));
    let proof: Promise<'running' | 'ended'> | undefined;
    if (outcome.kind === 'deadline') {
      proof = this.inBackground(this.proveStarted(input, hardDeadline)); // awaited below only when still needed
      outcome = await raceDeadline(update, deadline);
    }

    const marginMs = this.tuningOf(input).confirmationMarginMs ?? DEFAULT_CONFIRMATION_MARGIN_MS;
    if (outcome.kind === 'value') {
      const { producedAt, ...answer } = outcome.value;
      const lag = Date.now() - producedAt;
      return {
        answer,
        // Only when the answer spent long on its way (more than half the workflow's margin) does
        // the workflow need the real time: the signal costs a workflow task and a new timer.
        afterAnswer: lag > marginMs / 2 ? () => this.tellAnswered(input.serviceId) : () => undefined,
      };
    }
    if (outcome.kind === 'error' && outcome.error instanceof WorkflowExecutionAlreadyStartedError) {
      return { answer: await this.answerFromEnded(input.serviceId), afterAnswer: () => undefined };
    }
    if (outcome.kind === 'error') {
      this.options.logger.warn(
        { serviceId: input.serviceId, err: String(outcome.error) },
        'update-with-start failed; making sure the workflow exists',
      );
    }
    const proven = await raceDeadline(proof ?? this.inBackground(this.proveStarted(input, hardDeadline)), hardDeadline);
    if (proven.kind === 'value' && proven.value === 'running') {
      return {
        answer: createServiceAnswer(input.serviceId, 'PENDING', undefined),
        afterAnswer: () => this.tellAnsweredUnlessLater(input.serviceId, update, marginMs),
      };
    }
    if (proven.kind === 'value')
      return { answer: await this.answerFromEnded(input.serviceId), afterAnswer: () => undefined };
    throw this.notRegistered(input.serviceId, proven);
  }

  /**
   * Resolves once Temporal holds the workflow. A describe is asked first: it costs the server a read
   * and us no payload encoding. Only a workflow not found yet (the update-with-start still queued)
   * is started plainly, with the same options.
   */
  private async proveStarted(input: DeliveryInput, deadline: number): Promise<'running' | 'ended'> {
    try {
      const { status } = await this.options.client.connection.withDeadline(deadline, () =>
        this.workflows.getHandle(input.serviceId).describe(),
      );
      return status.name === 'RUNNING' ? 'running' : 'ended';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    try {
      await this.options.client.connection.withDeadline(deadline, () =>
        this.workflows.start<typeof deliveryWorkflow>(WorkflowType.delivery, this.startOptions(input)),
      );
      return 'running';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ended';
      throw err;
    }
  }

  /**
   * Makes sure every delivery has its workflow (the marketplace's DELIVERY_REQUEST): one running
   * already is joined (USE_EXISTING), one that ended is never started again (REJECT_DUPLICATE)
   * and counts as done. Resolves only when all exist; any other failure is a 503, and the same
   * request again is safe: it starts nothing twice.
   */
  async startDeliveries(inputs: DeliveryInput[]): Promise<StartedDelivery[]> {
    const outcomes = await inBatches(inputs, PARALLEL_CALLS, async (input): Promise<StartedDelivery> => {
      try {
        await this.workflows.start<typeof deliveryWorkflow>(WorkflowType.delivery, this.startOptions(input));
        return { serviceId: input.serviceId, workflow: 'running' };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError)
          return { serviceId: input.serviceId, workflow: 'ended' };
        throw err;
      }
    });
    const failed = outcomes.flatMap((o, i) =>
      o.status === 'rejected' ? [{ serviceId: inputs[i]!.serviceId, err: String(o.reason) }] : [],
    );
    if (failed.length > 0) {
      this.options.logger.error({ failed }, 'could not start every delivery of the request');
      throw unavailable(
        `${failed.length} of ${inputs.length} deliveries could not be registered; send the same request again (nothing starts twice)`,
      );
    }
    return outcomes.map((o) => (o as PromiseFulfilledResult<StartedDelivery>).value);
  }

  /**
   * The deliveries of a route (search attribute RouteId, set by the workflow at its start) and the
   * state of each. Visibility is eventually consistent: a delivery started a moment ago may be
   * missing for a second.
   */
  async routeDeliveries(routeId: string): Promise<RouteDelivery[]> {
    const latest = new Map<string, WorkflowExecutionInfo>();
    try {
      for await (const info of this.workflows.list({ query: `${RouteIdKey.name} = "${routeId}"` })) {
        // Continue-as-new leaves one closed run per step: the open (else the newest) run stands for the delivery.
        const known = latest.get(info.workflowId);
        if (!known || isNewer(info, known)) latest.set(info.workflowId, info);
        if (latest.size >= ROUTE_LIMIT) break;
      }
    } catch (err) {
      throw unavailableFrom(this.options.logger, err);
    }
    const infos = [...latest.values()].sort((a, b) => a.workflowId.localeCompare(b.workflowId));
    const outcomes = await inBatches(infos, PARALLEL_CALLS, async (info): Promise<RouteDelivery> => {
      const handle = this.workflows.getHandle(info.workflowId);
      const running = info.status.name === 'RUNNING';
      const view = await withTimeout(readDeliveryView(handle, running), QUERY_TIMEOUT_MS).catch(() => undefined);
      return {
        serviceId: info.workflowId,
        workflowStatus: info.status.name,
        status: view?.status ?? (info.typedSearchAttributes.get(DeliveryStatusKey) as ServiceStatus | undefined),
        ...(view ? { view: withoutDeliveryCode(view) } : {}),
      };
    });
    return outcomes.map((o, i) =>
      o.status === 'fulfilled' ? o.value : { serviceId: infos[i]!.workflowId, workflowStatus: infos[i]!.status.name },
    );
  }

  /**
   * After a PENDING answer the update is still on its way. The update counts the confirmation wait
   * from when it produced its answer: one produced after ours (the usual case in a burst, where
   * the workflow answers at its first task while the proof is still on its way) already covers our
   * answer, and the signal, a workflow task each, is left out. One produced earlier needs the
   * signal, and so does one that is not back within `ANSWERED_DECISION_MS`: the signal must not
   * come late, or the workflow's own wait may already have run out.
   */
  private tellAnsweredUnlessLater(serviceId: string, update: Promise<CreateServiceAnswer>, marginMs: number): void {
    const at = Date.now();
    void raceDeadline(update, at + ANSWERED_DECISION_MS).then((outcome) => {
      if (outcome.kind !== 'value' || outcome.value.producedAt < at - marginMs / 2) this.tellAnswered(serviceId, at);
    });
  }

  private tellAnswered(serviceId: string, at = Date.now()): void {
    const signal = this.options.client.connection.withDeadline(at + 10_000, () =>
      this.workflows.getHandle(serviceId).signal(serviceAnsweredSignal, { at }),
    );
    void this.inBackground(signal).catch((err: unknown) =>
      this.options.logger.warn({ serviceId, err: String(err) }, 'could not tell the workflow when we answered'),
    );
  }

  /** A repeated Create service for a delivery whose workflow already ended. */
  private async answerFromEnded(serviceId: string): Promise<PublicAnswer> {
    const view = (await this.workflows
      .getHandle(serviceId)
      .result()
      .catch(() => undefined)) as DeliveryView | undefined;
    const summary = view ? undefined : await this.summary(serviceId);
    return createServiceAnswer(serviceId, view?.status ?? summary?.status ?? 'CANCELED', view?.job);
  }

  /** Describe without the worker: existence, status and carrier from search attributes. */
  async summary(serviceId: string): Promise<DeliverySummary | undefined> {
    let description: WorkflowExecutionDescription;
    try {
      description = await this.workflows.getHandle(serviceId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw unavailableFrom(this.options.logger, err);
    }
    return {
      serviceId,
      running: description.status.name === 'RUNNING',
      workflowStatus: description.status.name,
      status: description.typedSearchAttributes.get(DeliveryStatusKey) as ServiceStatus | undefined,
      carrierId: description.typedSearchAttributes.get(CarrierIdKey),
      platform: description.typedSearchAttributes.get(PlatformKey),
      jobId: description.typedSearchAttributes.get(JobIdKey),
      memo: description.memo,
    };
  }

  private async openDelivery(
    serviceId: string,
    carrierId: string | undefined,
    action: string,
    platform: Platform | undefined,
  ): Promise<DeliverySummary> {
    const summary = await this.summary(serviceId);
    // A platform acts on its own deliveries only (the Platform search attribute is set at start).
    const notTheirs =
      (carrierId !== undefined && summary?.carrierId !== carrierId) ||
      (platform !== undefined && summary?.platform !== platform);
    if (!summary || notTheirs) {
      throw notFound('Unknown service', [
        { path: 'serviceId', message: `no service ${serviceId}${carrierId ? ` for carrier ${carrierId}` : ''}` },
      ]);
    }
    if (summary.status === 'DELIVERED' || summary.status === 'RETURNED') {
      throw conflict(`The service was already ${summary.status.toLowerCase()}: it cannot be ${action}`, [
        { path: 'serviceId', message: `status is ${summary.status}` },
      ]);
    }
    return summary;
  }

  /**
   * Cancel from the platform. Refused once delivered; a second cancel is answered the same. A
   * workflow that ended without the delivery ending (terminated, failed, timed out) can carry out
   * nothing: that is a 409 saying so, never a 200 "executed".
   * `onlyBeforeCollection`: the platform cancels only before the parcel is collected (Abbiamo).
   * With `platform`, a delivery of another platform is unknown (404).
   */
  async cancel(
    serviceId: string,
    carrierId: string | undefined,
    reason: string,
    options: Omit<CancelOrder, 'reason'> = {},
    platform?: Platform,
  ): Promise<DeliverySummary> {
    const summary = await this.openDelivery(serviceId, carrierId, 'canceled', platform);
    if (summary.status === 'CANCELED') return summary;
    if (!summary.running) {
      this.options.logger.error(
        { serviceId, workflowStatus: summary.workflowStatus },
        'cancel for a delivery whose workflow is gone: an operator must cancel its job',
      );
      throw conflict(`The delivery's workflow is ${summary.workflowStatus.toLowerCase()}: it cannot be canceled here`, [
        {
          path: 'serviceId',
          message: `workflow ${summary.workflowStatus}, delivery status ${summary.status ?? 'unknown'}`,
        },
      ]);
    }
    await this.signal(serviceId, () =>
      this.workflows.getHandle(serviceId).signal(cancelSignal, { reason, ...options }),
    );
    return summary;
  }

  async pause(
    serviceId: string,
    carrierId: string | undefined,
    pause: boolean,
    reason: string,
    platform?: Platform,
  ): Promise<DeliverySummary> {
    const summary = await this.openDelivery(serviceId, carrierId, pause ? 'paused' : 'resumed', platform);
    if (!summary.running || summary.status === 'CANCELED') {
      throw conflict(`The service already ended ${summary.status ?? ''}`.trim(), [
        { path: 'serviceId', message: `status is ${summary.status}` },
      ]);
    }
    await this.signal(serviceId, () => this.workflows.getHandle(serviceId).signal(pauseSignal, { pause, reason }));
    return summary;
  }

  /**
   * The platform's pickup PIN validation, answered within its call: the workflow releases the job's
   * hold. Past `waitMs` a 503 (the release goes on; the same call again answers at once).
   */
  async releasePickup(serviceId: string, pincode: string | undefined, waitMs: number): Promise<PickupRelease> {
    await this.openDelivery(serviceId, undefined, 'unlocked', 'marketplace');
    try {
      return await this.options.client.connection.withDeadline(Date.now() + waitMs, () =>
        this.workflows
          .getHandle(serviceId)
          .executeUpdate(releasePickupUpdate, { args: [pincode === undefined ? {} : { pincode }] }),
      );
    } catch (err) {
      this.options.logger.warn({ serviceId, err: (err as Error).message }, 'pickup release not answered in time');
      throw unavailable('The pickup release did not finish in time; retry');
    }
  }

  /** The platform changed the receiver: the workflow carries the change to the job. */
  async changeReceiver(serviceId: string, change: ReceiverChange, platform: Platform): Promise<DeliverySummary> {
    const summary = await this.openDelivery(serviceId, undefined, 'changed', platform);
    if (!summary.running || summary.status === 'CANCELED') {
      throw conflict(`The service already ended ${summary.status ?? ''}`.trim(), [
        { path: 'delivery_id', message: `status is ${summary.status}` },
      ]);
    }
    await this.signal(serviceId, () => this.workflows.getHandle(serviceId).signal(receiverSignal, change));
    return summary;
  }

  /**
   * A carrier event, once Temporal holds it. An event for a delivery that already ended is
   * acknowledged (the engine would otherwise retry forever) and only logged.
   */
  async carrierEvent(serviceId: string, event: JobEvent): Promise<JobEventOutcome> {
    try {
      await this.workflows.getHandle(serviceId).signal(carrierEventSignal, event);
      return 'accepted';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw unavailableFrom(this.options.logger, err);
      const summary = await this.summary(serviceId);
      if (!summary) {
        // The key proved the job is ours, but its delivery is past retention (or was never
        // started): nothing can act on the event, and a 404 would make the engine retry forever.
        this.options.logger.warn(
          { serviceId, eventId: event.id, type: event.type },
          'event for a delivery Temporal no longer holds acknowledged',
        );
        return 'delivery-unknown';
      }
      if (summary.jobId !== event.job.id) return this.cancelStrayJob(serviceId, event);
      this.options.logger.info(
        { serviceId, eventId: event.id, type: event.type },
        'event for an ended delivery acknowledged',
      );
      return 'delivery-ended';
    }
  }

  /**
   * An event of a job its ended delivery never knew (the webhook's key proved the job carries the
   * delivery's reference): a create whose workflow task was lost made it, and nobody would finish
   * it. The job's cancel is started as a workflow of its own, once per job (`stray-job-<jobId>`,
   * a second event joins or finds it), before the event is acknowledged: a failure to start is a
   * 503, and the engine's retry brings the event back.
   */
  private async cancelStrayJob(serviceId: string, event: JobEvent): Promise<JobEventOutcome> {
    const input: StrayJobInput = { serviceId, jobId: event.job.id, eventId: event.id, eventType: event.type };
    try {
      await this.workflows.start<typeof strayJobWorkflow>(WorkflowType.strayJob, {
        workflowId: `stray-job-${event.job.id}`,
        taskQueue: this.options.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // One that ended is not run again, unless it failed.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw unavailableFrom(this.options.logger, err);
    }
    this.options.logger.warn(
      { serviceId, jobId: event.job.id, eventId: event.id, type: event.type },
      'event of a job its ended delivery never knew: the job is being canceled',
    );
    return 'stray-job-canceling';
  }

  /** The delivery's state from its workflow; from Temporal's description when no worker answers. */
  async state(serviceId: string): Promise<{ view?: DeliveryView; summary: DeliverySummary }> {
    const summary = await this.summary(serviceId);
    if (!summary) throw notFound('Unknown service', [{ path: 'serviceId', message: `no service ${serviceId}` }]);
    const handle = this.workflows.getHandle(serviceId);
    const view = await withTimeout(readDeliveryView(handle, summary.running), QUERY_TIMEOUT_MS).catch(() => undefined);
    return { ...(view ? { view: withoutDeliveryCode(view) } : {}), summary };
  }

  private async signal(serviceId: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw conflict('The service already ended', [{ path: 'serviceId', message: serviceId }]);
      throw unavailableFrom(this.options.logger, err);
    }
  }
}

/**
 * The delivery PIN proves the hand-over to the customer: no operator screen or API answer shows it
 * (docs/security.md). The workflow keeps it, encrypted, for the driver flow only.
 */
export function withoutDeliveryCode(view: DeliveryView): DeliveryView {
  if (!view.job || !('deliveryCode' in view.job)) return view;
  const { deliveryCode: _pin, ...job } = view.job;
  return { ...view, job };
}

/** Runs `fn` over `items`, at most `size` at a time; every outcome is kept, in order. */
async function inBatches<T, R>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.allSettled(items.slice(i, i + size).map(fn))));
  }
  return out;
}

function isNewer(candidate: WorkflowExecutionInfo, known: WorkflowExecutionInfo): boolean {
  if (known.status.name === 'RUNNING') return false;
  if (candidate.status.name === 'RUNNING') return true;
  return candidate.startTime.getTime() > known.startTime.getTime();
}

type Raced<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'deadline' };

/** `promise` against the clock. */
async function raceDeadline<T>(promise: Promise<T>, deadline: number): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    (value): Raced<T> => ({ kind: 'value', value }),
    (error: unknown): Raced<T> => ({ kind: 'error', error }),
  );
  const late = new Promise<Raced<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'deadline' }), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const raced = await raceDeadline(promise, Date.now() + ms);
  if (raced.kind === 'value') return raced.value;
  throw raced.kind === 'error' ? raced.error : new Error(`timed out after ${ms} ms`);
}

/**
 * A 503 for a call Temporal did not take. Temporal's own text (addresses, namespaces, internal
 * errors) goes to our log only: the caller learns that a retry is safe, and the id to quote.
 */
function unavailableFrom(logger: Logger, err: unknown) {
  const ref = randomUUID();
  logger.error({ ref, err: err instanceof Error ? err.message : String(err) }, 'Temporal did not take the request');
  return unavailable(`Temporal did not take the request; retry the same request (ref ${ref})`);
}
