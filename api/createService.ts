/**
 * VTEX's Create service, as we answer it: start the delivery's workflow and wait for its job, but
 * answer within VTEX's 5 s whatever Temporal and the engine do. Every timing of the protocol is in
 * `CREATE_TIMING`; when the platform may then call us back is contracts/confirmation.ts's rule.
 *
 * Outcomes are the delivery's, not HTTP's: answered (with the job or PENDING), the workflow of this
 * serviceId had ended (the gateway decides whether that is a repeat or a new service), or not
 * registered in time (a `DeliveryRefusal`, which VTEX's retry makes safe).
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { answerNeedsSignal, CONFIRMATION_MARGIN_MS } from '../contracts/confirmation';
import {
  createServiceAnswer,
  type CreateServiceAnswer,
  type DeliveryInput,
  type DeliveryTuning,
} from '../contracts/delivery';
import type { Logger } from '../observability/logger';
import type { deliveryWorkflow } from '../workflows/delivery';
import { createServiceUpdate, serviceAnsweredSignal, WorkflowType } from '../workflows/messages';
import { startMemo, startSearchAttributes } from '../workflows/searchAttributes';
import { raceDeadline, type BackgroundWork, type Raced } from './async';
import { DeliveryRefusal } from './deliveryRefusal';

/** The protocol's clock, in one place. */
export const CREATE_TIMING = {
  /** An update-with-start not answered by then is slow: a proof that the workflow exists goes out (`proveStarted`). */
  proofAfterMs: 1000,
  /** The workflow answers this much before our answer deadline, so its answer can still travel back. */
  answerTravelMs: 300,
  /** After a PENDING answer, how long the update's own answer is awaited to know if a signal is needed. */
  answeredDecisionMs: 300,
  /** A late "when we answered" signal is given up after this long. */
  answeredSignalMs: 10_000,
} as const;

/** Create service calls in flight at which a call is answered PENDING as soon as its workflow exists (`inBurst`). */
export const BUSY_IN_FLIGHT = 8;

/** Our Create service answer, as VTEX gets it. */
export type PublicAnswer = Omit<CreateServiceAnswer, 'producedAt'>;

export type CreateOutcome =
  /** `afterAnswer` runs once the answer left: it may tell the workflow when that was. */
  | { kind: 'answered'; answer: PublicAnswer; afterAnswer: () => void }
  /** The workflow of this serviceId ended before: never started twice (REJECT_DUPLICATE). */
  | { kind: 'ended' };

export interface CreateServiceOptions {
  client: Client;
  /** How long Create service waits for the job before answering PENDING. */
  answerDeadlineMs: number;
  /** Past this, Create service is refused (`not-registered`) unless Temporal showed the delivery exists (VTEX waits 5 s). */
  hardDeadlineMs: number;
  /** How the delivery's workflow is started: the gateway's, shared with its other starts. */
  startOptions: (input: DeliveryInput) => DeliveryStartOptions;
  /** The margin the delivery waits after our answer (its tuning, else the rule's). */
  marginOf: (input: DeliveryInput) => number;
  background: BackgroundWork;
  logger: Logger;
}

export interface DeliveryStartOptions {
  workflowId: string;
  taskQueue: string;
  args: [DeliveryInput];
  workflowIdConflictPolicy: 'USE_EXISTING';
  workflowIdReusePolicy: 'REJECT_DUPLICATE';
  typedSearchAttributes: ReturnType<typeof startSearchAttributes>;
  memo: Record<string, unknown>;
}

/**
 * How every delivery's workflow starts: the same delivery again joins the running workflow; an
 * ended one is never started twice. The memo keeps the service's type (VTEX's `type`): a later
 * request for the same order reads it to tell a repeat from another service.
 */
export function deliveryStartOptions(
  input: DeliveryInput,
  taskQueue: string,
  tuning: DeliveryTuning | undefined,
): DeliveryStartOptions {
  const serviceType = input.context?.type;
  return {
    workflowId: input.serviceId,
    taskQueue,
    args: [{ ...input, tuning: { ...tuning, ...input.tuning } }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: startSearchAttributes(input),
    memo: { ...startMemo(input), ...(typeof serviceType === 'string' ? { serviceType } : {}) },
  };
}

export class CreateServiceProtocol {
  /** Create service calls still waiting for Temporal. */
  private creating = 0;

  constructor(private readonly options: CreateServiceOptions) {}

  private get workflows() {
    return this.options.client.workflow;
  }

  private inBackground<T>(work: Promise<T>): Promise<T> {
    return this.options.background.track(work);
  }

  /**
   * Starts the delivery's workflow and waits for its job in one step (update-with-start), within
   * the platform's deadline. PENDING is answered early only with proof the workflow exists: when
   * the update is slow (a slow engine), a plain start (idempotent: USE_EXISTING) is sent alongside,
   * and its answer is that proof. Without proof by the hard deadline the call is refused: VTEX
   * retries, and the retry is safe. `afterAnswer` tells the workflow when we actually answered, so
   * its confirmation wait counts from there. In a burst, see `inBurst`.
   */
  async create(input: DeliveryInput, receivedAt: number): Promise<CreateOutcome> {
    const burst = this.creating >= BUSY_IN_FLIGHT;
    this.creating += 1;
    try {
      return await (burst ? this.inBurst(input, receivedAt) : this.andWait(input, receivedAt));
    } finally {
      this.creating -= 1;
    }
  }

  /**
   * Many calls in flight is a burst: workflows' answers queue behind each other, and calls queue in
   * the socket before we see them (time our deadline cannot count). No job can be waited for then,
   * so the call costs Temporal one request: signal-with-start creates the workflow (or joins the
   * running one: USE_EXISTING) and tells it in the same write that we answer by the hard deadline
   * at the latest, so its confirmation wait counts from there. Its answer is the proof, and the
   * call is answered PENDING at once. No proof by the hard deadline is a refusal.
   *
   * Its first workflow task waits until that hard deadline (a start delay): while the burst's calls
   * are still being answered, Temporal registers deliveries instead of running the ones it has.
   * A job has the slot's minutes, an answer VTEX's 5 seconds. Another signal-with-start (VTEX
   * calling again) ends the wait at once; other signals are kept and handled when it ends.
   */
  private async inBurst(input: DeliveryInput, receivedAt: number): Promise<CreateOutcome> {
    const hardDeadline = receivedAt + this.options.hardDeadlineMs;
    const started = await raceDeadline(
      this.inBackground(
        this.options.client.connection.withDeadline(hardDeadline, () =>
          this.workflows.signalWithStart<typeof deliveryWorkflow, [{ at: number }]>(WorkflowType.delivery, {
            ...this.options.startOptions(input),
            startDelay: Math.max(0, hardDeadline - Date.now()),
            signal: serviceAnsweredSignal,
            signalArgs: [{ at: hardDeadline }],
          }),
        ),
      ),
      hardDeadline,
    );
    if (started.kind === 'value') return answered(createServiceAnswer(input.serviceId, 'PENDING', undefined));
    if (started.kind === 'error' && started.error instanceof WorkflowExecutionAlreadyStartedError)
      return { kind: 'ended' };
    throw this.notRegistered(input.serviceId, started);
  }

  private async andWait(input: DeliveryInput, receivedAt: number): Promise<CreateOutcome> {
    const deadline = receivedAt + this.options.answerDeadlineMs;
    const hardDeadline = receivedAt + this.options.hardDeadlineMs;
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof deliveryWorkflow>(
      WorkflowType.delivery,
      this.options.startOptions(input),
    );
    const waitMs = Math.max(0, deadline - Date.now() - CREATE_TIMING.answerTravelMs);
    // Bounded: past the hard deadline nobody waits for it, and an unbounded call would keep retrying
    // (Temporal unreachable) long after its request was answered.
    const update = this.inBackground(
      this.options.client.connection.withDeadline(hardDeadline, () =>
        this.workflows.executeUpdateWithStart(createServiceUpdate, { args: [{ waitMs }], startWorkflowOperation }),
      ),
    );

    let outcome = await raceDeadline(update, Math.min(deadline, receivedAt + CREATE_TIMING.proofAfterMs));
    let proof: Promise<'running' | 'ended'> | undefined;
    if (outcome.kind === 'deadline') {
      proof = this.inBackground(this.proveStarted(input, hardDeadline)); // awaited below only when still needed
      outcome = await raceDeadline(update, deadline);
    }

    const marginMs = this.options.marginOf(input);
    if (outcome.kind === 'value') {
      const { producedAt, ...answer } = outcome.value;
      // Only an answer that spent long on its way needs the signal: it costs a workflow task and a timer.
      const late = answerNeedsSignal({ producedAt, sentAt: Date.now(), marginMs });
      return answered(answer, late ? () => this.tellAnswered(input.serviceId) : undefined);
    }
    if (outcome.kind === 'error' && outcome.error instanceof WorkflowExecutionAlreadyStartedError)
      return { kind: 'ended' };
    if (outcome.kind === 'error') {
      this.options.logger.warn(
        { serviceId: input.serviceId, err: String(outcome.error) },
        'update-with-start failed; making sure the workflow exists',
      );
    }
    const proven = await raceDeadline(proof ?? this.inBackground(this.proveStarted(input, hardDeadline)), hardDeadline);
    if (proven.kind === 'value' && proven.value === 'running') {
      return answered(createServiceAnswer(input.serviceId, 'PENDING', undefined), () =>
        this.tellAnsweredUnlessLater(input.serviceId, update, marginMs),
      );
    }
    if (proven.kind === 'value') return { kind: 'ended' };
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
        this.workflows.start<typeof deliveryWorkflow>(WorkflowType.delivery, this.options.startOptions(input)),
      );
      return 'running';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ended';
      throw err;
    }
  }

  /** No proof by the hard deadline that Temporal holds the workflow: refused, and VTEX's retry is safe. */
  private notRegistered(serviceId: string, raced: Raced<unknown>): DeliveryRefusal {
    this.options.logger.error(
      { serviceId, err: raced.kind === 'error' ? String(raced.error) : 'hard deadline' },
      'could not register the delivery in time',
    );
    return new DeliveryRefusal(
      'not-registered',
      'The delivery could not be registered in time; retry the same request',
    );
  }

  /**
   * After a PENDING answer the update is still on its way. The update counts the confirmation wait
   * from when it produced its answer: one produced after ours (the usual case in a burst, where
   * the workflow answers at its first task while the proof is still on its way) already covers our
   * answer, and the signal, a workflow task each, is left out. One produced earlier needs the
   * signal, and so does one that is not back within `answeredDecisionMs`: the signal must not
   * come late, or the workflow's own wait may already have run out.
   */
  private tellAnsweredUnlessLater(serviceId: string, update: Promise<CreateServiceAnswer>, marginMs: number): void {
    const at = Date.now();
    void raceDeadline(update, at + CREATE_TIMING.answeredDecisionMs).then((outcome) => {
      if (outcome.kind !== 'value' || answerNeedsSignal({ producedAt: outcome.value.producedAt, sentAt: at, marginMs }))
        this.tellAnswered(serviceId, at);
    });
  }

  private tellAnswered(serviceId: string, at = Date.now()): void {
    const signal = this.options.client.connection.withDeadline(at + CREATE_TIMING.answeredSignalMs, () =>
      this.workflows.getHandle(serviceId).signal(serviceAnsweredSignal, { at }),
    );
    void this.inBackground(signal).catch((err: unknown) =>
      this.options.logger.warn({ serviceId, err: String(err) }, 'could not tell the workflow when we answered'),
    );
  }
}

function answered(answer: PublicAnswer, afterAnswer: () => void = () => undefined): CreateOutcome {
  return { kind: 'answered', answer, afterAnswer };
}

/** The margin a delivery waits after our answer: its own tuning, else the rule's. */
export function confirmationMarginOf(tuning: DeliveryTuning | undefined): number {
  return tuning?.confirmationMarginMs ?? CONFIRMATION_MARGIN_MS;
}
