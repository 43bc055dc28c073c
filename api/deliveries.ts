/**
 * The intake's only door to Temporal: starts, updates, signals and reads delivery workflows.
 * Route handlers stay thin; every rule about workflow ids, deadlines and "is this delivery still
 * open" lives here.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { JobEvent, JobEventOutcome } from '../contracts/deliveryEngine';
import type { Logger } from '../observability/logger';
import type { deliveryWorkflow } from '../workflows/delivery';
import type { StrayJobInput, strayJobWorkflow } from '../workflows/strayJob';
import {
  cancelSignal,
  carrierEventSignal,
  pauseSignal,
  receiverSignal,
  releasePickupUpdate,
  WorkflowType,
} from '../workflows/messages';
import { CarrierIdKey, DeliveryStatusKey, JobIdKey, PlatformKey, RouteIdKey } from '../workflows/searchAttributes';
import {
  type CancelOrder,
  createServiceAnswer,
  type DeliveryInput,
  type DeliveryStatus,
  type DeliveryTuning,
  type DeliveryView,
  type PickupRelease,
  type Platform,
  type ReceiverChange,
} from '../contracts/delivery';
import { strayJobWorkflowId } from '../mapping/ids';
import { asOrderService } from '../mapping/vtexToJob';
import { BackgroundWork, inBatches, withTimeout } from './async';
import {
  confirmationMarginOf,
  CreateServiceProtocol,
  deliveryStartOptions,
  type CreateOutcome,
  type PublicAnswer,
} from './createService';
import { DeliveryRefusal } from './deliveryRefusal';
import { eventForWorkflow } from './eventForWorkflow';
import { readDeliveryView } from './readDelivery';

export interface DeliveryGatewayOptions {
  client: Client;
  taskQueue: string;
  /** How long Create service waits for the job before answering PENDING. */
  createAnswerDeadlineMs: number;
  /** Past this, Create service is refused unless Temporal showed the delivery exists (VTEX waits 5 s). */
  createHardDeadlineMs: number;
  /** Applied to every delivery this gateway starts. */
  tuning?: DeliveryTuning;
  logger: Logger;
}

/** A delivery as Temporal describes it (search attributes and memo), without asking the worker. */
export interface DescribedDelivery {
  serviceId: string;
  running: boolean;
  workflowStatus: string;
  status?: DeliveryStatus;
  carrierId?: string;
  platform?: string;
  /** The job its workflow created (search attribute JobId), once there is one. */
  jobId?: string;
  memo?: Record<string, unknown>;
}

/** A delivery whose workflow exists: started now or running already, or ended before. */
export interface StartedDelivery {
  serviceId: string;
  workflow: 'running' | 'ended';
}

/** A delivery of a route as visibility lists it, with its state when the workflow answers. */
export interface RouteDelivery {
  serviceId: string;
  workflowStatus: string;
  status?: DeliveryStatus;
  view?: DeliveryView;
}

/** Create service, answered: what VTEX gets, and what runs once it left. */
export type CreateAnswered = Extract<CreateOutcome, { kind: 'answered' }>;

const QUERY_TIMEOUT_MS = 3000;
/** Workflow starts (and route queries) in flight at once for one request. */
const PARALLEL_CALLS = 8;
/** More deliveries than this on one route is not a route: the listing stops there. */
const ROUTE_LIMIT = 500;
/** Services of one order (its DELIVERY, a RETURN, new requests after cancels): past this, the last one answers. */
const SERVICES_PER_ORDER = 10;

/**
 * Whether VTEX asking for an order whose service ended asks for another service: after a cancel,
 * any request is new; after a delivery, only one of another type (a RETURN after the DELIVERY).
 * The same request again for a delivery that ended is a repeat (VTEX lost our answer).
 */
export function isAnotherService(ended: { status: DeliveryStatus; type: string }, askedType: string): boolean {
  if (ended.status === 'CANCELED') return true;
  return (ended.status === 'DELIVERED' || ended.status === 'RETURNED') && ended.type !== askedType;
}

export class DeliveryGateway {
  /** Calls to Temporal that outlive their request (a late signal, a start sent as proof). */
  private readonly background = new BackgroundWork();
  private readonly creation: CreateServiceProtocol;

  constructor(private readonly options: DeliveryGatewayOptions) {
    this.creation = new CreateServiceProtocol({
      client: options.client,
      answerDeadlineMs: options.createAnswerDeadlineMs,
      hardDeadlineMs: options.createHardDeadlineMs,
      startOptions: (input) => this.startOptions(input),
      marginOf: (input) => confirmationMarginOf(this.tuningOf(input)),
      background: this.background,
      logger: options.logger,
    });
  }

  /** Waits (at most `ms`) for background calls, so the connection can close under none. */
  async drain(ms = 5000): Promise<void> {
    await this.background.drain(ms);
  }

  private get workflows() {
    return this.options.client.workflow;
  }

  /** The gateway's tuning (from configuration) under the delivery's own. */
  private tuningOf(input: DeliveryInput): DeliveryTuning {
    return { ...this.options.tuning, ...input.tuning };
  }

  private startOptions(input: DeliveryInput) {
    return deliveryStartOptions(input, this.options.taskQueue, this.options.tuning);
  }

  /**
   * VTEX's Create service (api/createService.ts). A workflow of this order that ended makes the
   * request either a repeat, answered from it, or the order's next service (`isAnotherService`),
   * created under its own serviceId (mapping/ids.ts); the next one is looked at in turn, so a
   * repeat of the RETURN joins the RETURN.
   */
  async createService(input: DeliveryInput, receivedAt: number): Promise<CreateAnswered> {
    const askedType = typeof input.context?.type === 'string' ? input.context.type : 'DELIVERY';
    let current = input;
    for (let service = 1; ; service += 1) {
      const outcome = await this.creation.create(current, receivedAt);
      if (outcome.kind === 'answered') return outcome;
      const ended = await this.endedService(current.serviceId);
      if (service >= SERVICES_PER_ORDER || input.report.platform !== 'vtex' || !isAnotherService(ended, askedType))
        return { kind: 'answered', answer: ended.answer, afterAnswer: () => undefined };
      current = asOrderService(input, service + 1);
    }
  }

  /** A delivery whose workflow already ended: its answer, status and service type. */
  private async endedService(
    serviceId: string,
  ): Promise<{ answer: PublicAnswer; status: DeliveryStatus; type: string }> {
    const view = (await this.workflows
      .getHandle(serviceId)
      .result()
      .catch(() => undefined)) as DeliveryView | undefined;
    const summary = await this.summary(serviceId);
    const status = view?.status ?? summary?.status ?? 'CANCELED';
    // Deliveries started before the memo kept it were all started by a DELIVERY or an unknown type.
    const type = typeof summary?.memo?.serviceType === 'string' ? summary.memo.serviceType : 'DELIVERY';
    return { answer: createServiceAnswer(serviceId, status, view?.job), status, type };
  }

  /**
   * Makes sure every delivery has its workflow (Abbiamo's DELIVERY_REQUEST): one running
   * already is joined (USE_EXISTING), one that ended is never started again (REJECT_DUPLICATE)
   * and counts as done. Resolves only when all exist; any other failure is `temporal-unavailable`, and the same
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
      throw new DeliveryRefusal(
        'temporal-unavailable',
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
        status: view?.status ?? (info.typedSearchAttributes.get(DeliveryStatusKey) as DeliveryStatus | undefined),
        ...(view ? { view: withoutDeliveryCode(view) } : {}),
      };
    });
    return outcomes.map((o, i) =>
      o.status === 'fulfilled' ? o.value : { serviceId: infos[i]!.workflowId, workflowStatus: infos[i]!.status.name },
    );
  }

  /** Describe without the worker: existence, status and carrier from search attributes. */
  async summary(serviceId: string): Promise<DescribedDelivery | undefined> {
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
      status: description.typedSearchAttributes.get(DeliveryStatusKey) as DeliveryStatus | undefined,
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
  ): Promise<DescribedDelivery> {
    const summary = await this.summary(serviceId);
    // A platform acts on its own deliveries only (the Platform search attribute is set at start).
    const notTheirs =
      (carrierId !== undefined && summary?.carrierId !== carrierId) ||
      (platform !== undefined && summary?.platform !== platform);
    if (!summary || notTheirs) {
      throw new DeliveryRefusal('unknown', 'Unknown service', [
        { path: 'serviceId', message: `no service ${serviceId}${carrierId ? ` for carrier ${carrierId}` : ''}` },
      ]);
    }
    if (summary.status === 'DELIVERED' || summary.status === 'RETURNED') {
      throw new DeliveryRefusal(
        'ended',
        `The service was already ${summary.status.toLowerCase()}: it cannot be ${action}`,
        [{ path: 'serviceId', message: `status is ${summary.status}` }],
      );
    }
    return summary;
  }

  /**
   * Cancel from the platform. Refused once delivered; a second cancel is answered the same. A
   * workflow that ended without the delivery ending (terminated, failed, timed out) can carry out
   * nothing: that is refused (`ended`) saying so, never an "executed".
   * `onlyBeforeCollection`: the platform cancels only before the parcel is collected (Abbiamo).
   * With `platform`, a delivery of another platform is `unknown`.
   */
  async cancel(
    serviceId: string,
    carrierId: string | undefined,
    reason: string,
    options: Omit<CancelOrder, 'reason'> = {},
    platform?: Platform,
  ): Promise<DescribedDelivery> {
    const summary = await this.openDelivery(serviceId, carrierId, 'canceled', platform);
    if (summary.status === 'CANCELED') return summary;
    if (!summary.running) {
      this.options.logger.error(
        { serviceId, workflowStatus: summary.workflowStatus },
        'cancel for a delivery whose workflow is gone: an operator must cancel its job',
      );
      throw new DeliveryRefusal(
        'ended',
        `The delivery's workflow is ${summary.workflowStatus.toLowerCase()}: it cannot be canceled here`,
        [
          {
            path: 'serviceId',
            message: `workflow ${summary.workflowStatus}, delivery status ${summary.status ?? 'unknown'}`,
          },
        ],
      );
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
  ): Promise<DescribedDelivery> {
    const summary = await this.openDelivery(serviceId, carrierId, pause ? 'paused' : 'resumed', platform);
    if (!summary.running || summary.status === 'CANCELED') {
      throw new DeliveryRefusal('ended', `The service already ended ${summary.status ?? ''}`.trim(), [
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
      throw new DeliveryRefusal('temporal-unavailable', 'The pickup release did not finish in time; retry');
    }
  }

  /** The platform changed the receiver: the workflow carries the change to the job. */
  async changeReceiver(serviceId: string, change: ReceiverChange, platform: Platform): Promise<DescribedDelivery> {
    const summary = await this.openDelivery(serviceId, undefined, 'changed', platform);
    if (!summary.running || summary.status === 'CANCELED') {
      throw new DeliveryRefusal('ended', `The service already ended ${summary.status ?? ''}`.trim(), [
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
      await this.workflows.getHandle(serviceId).signal(carrierEventSignal, eventForWorkflow(event));
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
   * it. The job's cancel is started as a workflow of its own, once per job (mapping/ids.ts `strayJobWorkflowId`,
   * a second event joins or finds it), before the event is acknowledged: a failure to start is a
   * refusal (`temporal-unavailable`), and the engine's retry brings the event back.
   */
  private async cancelStrayJob(serviceId: string, event: JobEvent): Promise<JobEventOutcome> {
    const input: StrayJobInput = { serviceId, jobId: event.job.id, eventId: event.id, eventType: event.type };
    try {
      await this.workflows.start<typeof strayJobWorkflow>(WorkflowType.strayJob, {
        workflowId: strayJobWorkflowId(event.job.id),
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
  async state(serviceId: string): Promise<{ view?: DeliveryView; summary: DescribedDelivery }> {
    const summary = await this.summary(serviceId);
    if (!summary)
      throw new DeliveryRefusal('unknown', 'Unknown service', [
        { path: 'serviceId', message: `no service ${serviceId}` },
      ]);
    const handle = this.workflows.getHandle(serviceId);
    const view = await withTimeout(readDeliveryView(handle, summary.running), QUERY_TIMEOUT_MS).catch(() => undefined);
    return { ...(view ? { view: withoutDeliveryCode(view) } : {}), summary };
  }

  private async signal(serviceId: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new DeliveryRefusal('ended', 'The service already ended', [{ path: 'serviceId', message: serviceId }]);
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

function isNewer(candidate: WorkflowExecutionInfo, known: WorkflowExecutionInfo): boolean {
  if (known.status.name === 'RUNNING') return false;
  if (candidate.status.name === 'RUNNING') return true;
  return candidate.startTime.getTime() > known.startTime.getTime();
}

/**
 * A call Temporal did not take. Temporal's own text (addresses, namespaces, internal errors) goes
 * to our log only: the caller learns that a retry is safe, and the id to quote.
 */
function unavailableFrom(logger: Logger, err: unknown): DeliveryRefusal {
  const ref = randomUUID();
  logger.error({ ref, err: err instanceof Error ? err.message : String(err) }, 'Temporal did not take the request');
  return new DeliveryRefusal(
    'temporal-unavailable',
    `Temporal did not take the request; retry the same request (ref ${ref})`,
  );
}
