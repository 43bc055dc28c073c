/**
 * One durable workflow per delivery, for its whole life: create the job in the Delivery Engine
 * before the slot lapses, answer the platform's Create service, wait for the platform to confirm
 * the service, then turn every carrier event and platform command into the platform's calls, in
 * order, until the delivery ends. Deterministic code only.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AvailabilityResponse, JobEvent } from '../contracts/deliveryEngine';
import type { ServiceStatus } from '../contracts/vtex';
import {
  cancelSignal,
  carrierEventSignal,
  createServiceUpdate,
  deliveryStateQuery,
  pauseSignal,
  serviceAnsweredSignal,
} from './messages';
import { reporterFor } from './platforms';
import { deliverySummary, DeliveryStatusKey, JobIdKey, NeedsAttentionKey } from './searchAttributes';
import { decideMove, isTerminal, statusForEventType, type StatusPosition } from './stateMachine';
import {
  BEFORE_ANY_CREATE,
  DEFAULT_CONFIRMATION_DELAY_MS,
  DEFAULT_CONFIRMATION_MARGIN_MS,
  DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
  type CarriedState,
  type CreateServiceAnswer,
  type DeliveryInput,
  type DeliveryView,
  type InboxItem,
  type JobInfo,
  type PlatformCommand,
  type ReportFailure,
  type TimelineEntry,
} from '../contracts/delivery';

/** The job's first attempt runs inside the first workflow task: no round trip to the server. */
const engineFast = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2s',
  retry: { maximumAttempts: 1 },
});

/** Engine commands on an existing job: retried until the engine answers. */
const engineJobs = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Creation calls, retried with backoff but never past `deadline`. */
function engineUntil(deadline: number) {
  const remaining = Math.max(1000, deadline - Date.now());
  return proxyActivities<Activities>({
    startToCloseTimeout: '6s',
    scheduleToCloseTimeout: remaining,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
}

/** A slot this close to expiry is checked (and extended) before the job is created on it. */
const SLOT_FRESHNESS_MS = 30_000;
const TIMELINE_LIMIT = 100;
const SEEN_EVENTS_LIMIT = 1000;
const FAILED_REPORTS_LIMIT = 20;

export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryView> {
  const carried: CarriedState | undefined = input.carried;
  const reporter = reporterFor(input.report, input.tuning?.confirmationDelayMs ?? DEFAULT_CONFIRMATION_DELAY_MS, {});
  const marginMs = input.tuning?.confirmationMarginMs ?? DEFAULT_CONFIRMATION_MARGIN_MS;
  const continueAsNewAfter = input.tuning?.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;

  // ---- state ----
  let position: StatusPosition = carried
    ? { status: carried.status, rankBeforeInterruption: carried.rankBeforeInterruption }
    : { status: 'PENDING' };
  let phase: DeliveryView['phase'] = carried ? 'active' : 'creating';
  let job: JobInfo | undefined = carried?.job;
  let creationFailure: string | undefined;
  let createAttempted = false;
  let paused = carried?.paused ?? false;
  let confirmed = carried?.confirmed ?? false;
  let cancelRequested = carried?.cancelRequested;
  let agentAssigned = carried?.agentAssigned ?? false;
  let lastError = carried?.lastError;
  let needsAttention = carried?.needsAttention ?? false;
  const failedReports: ReportFailure[] = carried?.failedReports ?? [];
  const timeline: TimelineEntry[] = carried?.timeline ?? [];
  const seenEventIds: string[] = carried?.seenEventIds ?? [];
  const seen = new Set(seenEventIds);
  const inbox: InboxItem[] = [...(carried?.inbox ?? [])];
  let pendingReports = 0;
  const run = (carried?.run ?? 0) + 1;
  /** Earliest time the platform accepts calls; pushed later by every Create answer until confirmed. */
  let confirmAt = Date.now() + reporter.confirmationDelayMs + marginMs;

  const now = () => new Date().toISOString();
  function note(kind: TimelineEntry['kind'], message: string, extra: Partial<TimelineEntry> = {}) {
    timeline.push({ at: now(), kind, message, ...extra });
    if (timeline.length > TIMELINE_LIMIT) timeline.splice(0, timeline.length - TIMELINE_LIMIT);
  }

  function view(): DeliveryView {
    return {
      serviceId: input.serviceId,
      platform: input.platform,
      orderId: input.orderId,
      carrierId: input.carrierId,
      ...(input.routeId ? { routeId: input.routeId } : {}),
      ...(input.routeName ? { routeName: input.routeName } : {}),
      status: position.status,
      phase,
      paused,
      ...(job ? { job } : {}),
      ...(lastError ? { lastError } : {}),
      needsAttention,
      failedReports: [...failedReports],
      pendingReports: pendingReports + inbox.length,
      timeline: [...timeline],
      run,
    };
  }

  // What the Web UI shows: search attributes (status, job, flag) and the memo summary (what the
  // attributes cannot hold), each sent only when it changed: every upsert is server work.
  // A new delivery got them at start; a continued one carries its previous run's.
  const attributesNow = () => JSON.stringify([position.status, needsAttention, job?.jobId ?? null]);
  const summaryNow = () =>
    deliverySummary({ jobId: job?.jobId ?? null, paused, needsAttention, lastError: lastError ?? null });
  let publishedAttributes = attributesNow();
  let publishedSummary = JSON.stringify(summaryNow());
  function publish() {
    const attributes = attributesNow();
    if (attributes !== publishedAttributes) {
      publishedAttributes = attributes;
      upsertSearchAttributes([
        { key: DeliveryStatusKey, value: position.status },
        { key: NeedsAttentionKey, value: needsAttention },
        ...(job ? [{ key: JobIdKey, value: job.jobId }] : []),
      ]);
    }
    const summary = summaryNow();
    if (JSON.stringify(summary) !== publishedSummary) {
      publishedSummary = JSON.stringify(summary);
      upsertMemo({ summary });
    }
  }

  function setStatus(next: StatusPosition, why: string) {
    const changed = next.status !== position.status;
    if (changed) note('status', `${position.status} -> ${next.status}: ${why}`, { status: next.status });
    position = next;
    if (changed) publish();
  }

  function answer(): CreateServiceAnswer {
    return {
      status: position.status,
      serviceId: input.serviceId,
      shippingPrice: job?.price ?? null,
      metaData: { serviceId: input.serviceId, ...(job ? { jobId: job.jobId, trackingUrl: job.trackingUrl } : {}) },
      shippingEstimatedDate: job?.endsAt ?? null,
      labels: [],
      producedAt: Date.now(),
    };
  }

  // ---- handlers ----
  setHandler(deliveryStateQuery, view);

  setHandler(createServiceUpdate, async ({ waitMs }) => {
    const settled = () => job !== undefined || creationFailure !== undefined || phase === 'ended';
    if (!settled()) await condition(settled, Math.max(0, waitMs));
    if (!confirmed) confirmAt = Math.max(confirmAt, Date.now() + reporter.confirmationDelayMs + marginMs);
    return answer();
  });

  setHandler(serviceAnsweredSignal, ({ at }) => {
    if (!confirmed) confirmAt = Math.max(confirmAt, at + reporter.confirmationDelayMs + marginMs);
  });

  setHandler(carrierEventSignal, (event) => {
    inbox.push({ kind: 'event', event });
  });

  setHandler(cancelSignal, ({ reason }) => {
    const command: PlatformCommand = { kind: 'cancel', reason, at: now() };
    cancelRequested ??= { reason, at: command.at };
    inbox.push({ kind: 'command', command });
  });

  setHandler(pauseSignal, ({ pause, reason }) => {
    inbox.push({ kind: 'command', command: { kind: 'pause', pause, reason, at: now() } });
  });

  // ---- reporting ----
  async function report(call: unknown) {
    pendingReports += 1;
    try {
      await reporter.execute(call);
      note('report', reporter.describe(call));
    } catch (err) {
      // Only a definite refusal gets here (transient faults are retried inside the activity).
      const message = failureMessage(err);
      lastError = `${reporter.describe(call)} refused: ${message}`;
      needsAttention = true;
      failedReports.push({ at: now(), call: reporter.describe(call), error: message });
      if (failedReports.length > FAILED_REPORTS_LIMIT) failedReports.shift();
      note('error', lastError);
      log.error('Platform refused a report; delivery flagged', {
        serviceId: input.serviceId,
        call: reporter.describe(call),
        error: message,
      });
      publish();
    } finally {
      pendingReports -= 1;
    }
  }

  // ---- creation ----
  async function createJob(): Promise<void> {
    const giveUpAt = Date.parse(input.giveUpAt);
    const spec = input.spec;

    const created = (
      slot: AvailabilityResponse,
      res: { job_id: string; tracking_url: string; delivery_code?: string },
    ) => {
      job = {
        jobId: res.job_id,
        slotId: slot.slot_id,
        trackingUrl: res.tracking_url,
        ...(res.delivery_code ? { deliveryCode: res.delivery_code } : {}),
        price: slot.price,
        startsAt: slot.starts_at,
        endsAt: slot.ends_at,
      };
      note('status', `job ${res.job_id} created on slot ${slot.slot_id}`);
      publish();
    };

    // Fast path: one attempt of both calls, as one local activity inside this workflow task.
    try {
      const first = await engineFast.createJobOnNewSlot({ serviceId: input.serviceId, spec });
      created(first.slot, first.job);
      return;
    } catch (err) {
      // Unless it failed asking for the slot, it may have reached POST /jobs.
      createAttempted = !failureDetails(err).includes(BEFORE_ANY_CREATE);
      if (isRefusal(err, ['BadRequest', 'Refused'])) {
        creationFailure = `the Delivery Engine refused the job: ${failureMessage(err)}`;
        return;
      }
      note('error', `first creation attempt failed, retrying: ${failureMessage(err)}`);
    }

    // Durable path: retries with backoff, bounded by the delivery window.
    let slot: AvailabilityResponse | undefined;
    while (!job) {
      // Canceled before any job could exist: stop. Once a create was sent, the job may exist at
      // the engine: creation goes on (idempotent) so it can be canceled, not left to a driver.
      if (cancelRequested && !createAttempted) return;
      if (Date.now() >= giveUpAt) {
        creationFailure = `no slot could be had before ${input.giveUpAt} (last error: ${lastError ?? 'none'})`;
        return;
      }
      try {
        if (!slot || Date.parse(slot.expires_at) - Date.now() < SLOT_FRESHNESS_MS) {
          slot = await unlessCanceledBeforeCreate(() => freshSlot(slot, giveUpAt));
          if (!slot) return;
        }
        createAttempted = true;
        const res = await engineUntil(Math.min(giveUpAt, Date.parse(slot.expires_at))).createJob({
          serviceId: input.serviceId,
          slotId: slot.slot_id,
          spec,
        });
        created(slot, res);
      } catch (err) {
        lastError = failureMessage(err);
        if (isRefusal(err, ['SlotExpired', 'Conflict', 'NotFound'])) {
          note('error', `slot ${slot?.slot_id} no longer usable (${failureType(err)}): asking for a new one`);
          slot = undefined;
        } else if (isRefusal(err, ['BadRequest', 'Refused'])) {
          creationFailure = `the Delivery Engine refused the job: ${lastError}`;
          return;
        } else {
          // Timed out against the slot's expiry or the window: the loop decides which.
          note('error', `creation still failing: ${lastError}`);
          slot = undefined;
        }
      }
    }
  }

  /** Runs `step`, cut short (undefined) when the platform cancels before any create was sent. */
  async function unlessCanceledBeforeCreate<T>(step: () => Promise<T>): Promise<T | undefined> {
    const scope = new CancellationScope();
    let cut = false;
    void condition(() => cancelRequested !== undefined && !createAttempted).then(() => {
      cut = true;
      scope.cancel();
    });
    try {
      return await scope.run(step);
    } catch (err) {
      if (cut && isCancellation(err)) return undefined;
      throw err;
    }
  }

  /** A slot to create the job on: the current one checked and extended, or a new one. */
  async function freshSlot(current: AvailabilityResponse | undefined, giveUpAt: number): Promise<AvailabilityResponse> {
    const engine = engineUntil(giveUpAt);
    if (current) {
      try {
        const check = await engine.checkSlot(current.slot_id);
        if (check.valid) {
          const extended = await engine.extendSlot(current.slot_id);
          note('status', `slot ${current.slot_id} extended to ${extended.expires_at}`);
          return { ...current, expires_at: extended.expires_at };
        }
      } catch (err) {
        if (!isRefusal(err, ['SlotExpired', 'NotFound', 'Conflict'])) throw err;
      }
    }
    return engine.requestSlot(input.spec.availability);
  }

  // ---- carrier events and platform commands ----
  async function handleEvent(event: JobEvent) {
    if (seen.has(event.id)) {
      note('event', `duplicate event ${event.id} (${event.type}) ignored`, { eventId: event.id });
      return;
    }
    seen.add(event.id);
    seenEventIds.push(event.id);
    if (seenEventIds.length > SEEN_EVENTS_LIMIT) seen.delete(seenEventIds.shift()!);
    if (job && event.job.id !== job.jobId) {
      note('error', `event ${event.id} is for job ${event.job.id}, not ${job.jobId}: ignored`, { eventId: event.id });
      return;
    }
    if (isTerminal(position.status)) {
      // An ended delivery is not reported on again; the late event is only recorded.
      note('event', `${event.type} after the delivery ended ${position.status}: recorded, not reported`, {
        eventId: event.id,
      });
      return;
    }
    note('event', `${event.type}${event.reason ? `: ${event.reason}` : ''}`, { eventId: event.id });

    const agentBefore = agentAssigned;
    let movedTo: ServiceStatus | undefined;
    const target = statusForEventType(event.type);
    if (target) {
      const decision = decideMove(position, target);
      if (decision.kind === 'move') {
        movedTo = decision.to;
        setStatus(decision.position, `carrier event ${event.type}`);
      } else if (decision.kind === 'refuse') {
        note('event', `${event.type} changes nothing: ${decision.reason}`, { eventId: event.id });
      }
    }
    if (event.resource) agentAssigned = true;
    for (const call of reporter.callsForEvent(event, {
      movedTo,
      current: position.status,
      agentEverAssigned: agentBefore,
    })) {
      await report(call);
    }
  }

  async function handleCommand(command: PlatformCommand) {
    if (command.kind === 'cancel') {
      if (isTerminal(position.status)) {
        note('platform', `cancel refused: the delivery already ended ${position.status}`);
        return;
      }
      if (job) {
        try {
          await engineJobs.cancelJob(job.jobId, command.reason);
        } catch (err) {
          lastError = `the Delivery Engine refused to cancel job ${job.jobId}: ${failureMessage(err)}`;
          note('error', lastError);
          publish();
          return;
        }
      }
      setStatus({ status: 'CANCELED' }, `canceled by the platform: ${command.reason}`);
      for (const call of reporter.canceledOnRequest(command.reason)) await report(call);
      return;
    }
    if (isTerminal(position.status) || !job) {
      note('platform', `${command.pause ? 'pause' : 'resume'} ignored: the delivery is ${position.status}`);
      return;
    }
    if (command.pause === paused) {
      note('platform', `already ${paused ? 'paused' : 'running'}`);
      return;
    }
    try {
      await engineJobs.holdJob(job.jobId, command.pause, command.reason);
    } catch (err) {
      lastError = `the Delivery Engine refused to ${command.pause ? 'hold' : 'release'} job ${job.jobId}: ${failureMessage(err)}`;
      needsAttention = true;
      note('error', lastError);
      publish();
      return;
    }
    paused = command.pause;
    note('platform', `${paused ? 'paused' : 'resumed'} by the platform: ${command.reason}`);
    publish();
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= continueAsNewAfter;
  }

  // ---- the life ----
  if (!carried) {
    // Order, carrier, platform, route and PENDING were set at start (startSearchAttributes).
    note('status', 'delivery received');
    await createJob();

    // A cancel that came during creation is carried out as soon as the job exists (or instead of it).
    if (cancelRequested) {
      const index = inbox.findIndex((i) => i.kind === 'command' && i.command.kind === 'cancel');
      const [pending] = inbox.splice(index, 1);
      if (pending?.kind === 'command') await handleCommand(pending.command);
    }

    // The platform takes no call before it confirmed our answer: a durable timer, not a sleep.
    phase = 'waiting-confirmation';
    while (Date.now() < confirmAt) {
      const target = confirmAt;
      await condition(() => confirmAt !== target, target - Date.now());
    }
    confirmed = true;
    phase = 'active';

    if (creationFailure && !cancelRequested) {
      lastError = creationFailure;
      needsAttention = true;
      for (const call of reporter.creationFailed(creationFailure)) await report(call);
      setStatus({ status: 'CANCELED' }, `job creation failed: ${creationFailure}`);
    } else if (job && !isTerminal(position.status)) {
      for (const call of reporter.firstReport(job, position.status)) await report(call);
    }
  }

  for (;;) {
    while (!isTerminal(position.status) || inbox.length > 0) {
      if (shouldContinueAsNew()) break;
      if (inbox.length === 0) {
        await condition(() => inbox.length > 0 || shouldContinueAsNew());
        continue;
      }
      const item = inbox.shift()!;
      if (item.kind === 'event') await handleEvent(item.event);
      else await handleCommand(item.command);
    }
    await condition(allHandlersFinished);
    // Reports run as local activities, recorded only when their workflow task completes. Closing
    // (or continuing as new) in that same task would be refused by the server if a signal arrived
    // meanwhile, and the reports would run again: one timer first seals them in history.
    await sleep(1);
    // What arrived meanwhile is handled before closing; a continue-as-new carries it instead.
    if (inbox.length === 0 || shouldContinueAsNew()) break;
  }

  if (!isTerminal(position.status) || inbox.length > 0) {
    const next: CarriedState = {
      status: position.status,
      rankBeforeInterruption: position.rankBeforeInterruption,
      job,
      paused,
      confirmed,
      cancelRequested,
      seenEventIds,
      inbox,
      agentAssigned,
      lastError,
      needsAttention,
      failedReports,
      timeline,
      run,
    };
    // The new run keeps what operators find the delivery by, as this run last set it.
    await makeContinueAsNewFunc<typeof deliveryWorkflow>({
      memo: { summary: summaryNow() },
      typedSearchAttributes: workflowInfo().typedSearchAttributes,
    })({ ...input, carried: next });
  }
  phase = 'ended';
  note('status', `delivery ended ${position.status}`);
  publish();
  return view();
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureDetails(err: unknown): unknown[] {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.details ?? []) : [];
}

function isRefusal(err: unknown, types: string[]): boolean {
  const type = failureType(err);
  return type !== undefined && types.includes(type);
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
