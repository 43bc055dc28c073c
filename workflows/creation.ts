/**
 * Creating the delivery's job at the engine before its slot lapses: one fast attempt (an activity
 * the server hands straight back with the first workflow task's completion), then a durable loop
 * with backoff, bounded by the delivery's window.
 * Deterministic code only.
 */
import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { ChosenSlot, CreateJobResponse } from '../contracts/deliveryEngine';
import { JOB_REFUSED, SLOT_UNUSABLE } from '../contracts/failures';
import { engineFirst, engineUntil } from './activityOptions';
import { failureMessage, failureType, isFailureOf, sentNoCreate } from './failures';
import { boundedText, note, type Delivery } from './state';

/** A slot this close to expiry is checked (and extended) before the job is created on it. */
const SLOT_FRESHNESS_MS = 30_000;

/**
 * Waits between failed creation attempts: 1 s, doubling, at most a minute. Without it an engine
 * that answers 409 to every create was asked ~20 times a second, and the history outgrew
 * Temporal's limit within minutes.
 */
export const CREATION_BACKOFF = { initialMs: 1000, factor: 2, maxMs: 60_000 } as const;

export type CreationOutcome = 'settled' | 'continue-as-new';

/**
 * Creates the job, or sets `creationFailure`, or stops early for a cancel.
 * A long creation (an engine refusing for hours) asks for a continue-as-new instead of growing
 * the history: the next run resumes here with the same state.
 */
export async function createJob(d: Delivery): Promise<CreationOutcome> {
  if (d.state.run === 1 && (await firstAttempt(d))) return 'settled';
  const outcome = await durableAttempts(d);
  if (outcome === 'settled' && d.state.creationFailure && d.state.createAttempted) orphanPossible(d);
  return outcome;
}

function created(d: Delivery, slot: ChosenSlot, res: CreateJobResponse): void {
  d.state.job = {
    jobId: res.job_id,
    slotId: slot.slot_id,
    priceCents: slot.priceCents,
    currency: slot.currency,
    startsAt: slot.from,
    endsAt: slot.to,
  };
  d.state.progressAt = new Date().toISOString();
  note(d, 'status', `job ${res.job_id} created on slot ${slot.slot_id}`);
  d.publisher.publish();
}

/** Both calls once, as one activity. True when creation is settled. */
async function firstAttempt(d: Delivery): Promise<boolean> {
  try {
    const first = await engineFirst.createJobOnNewSlot({ serviceId: d.input.serviceId, spec: d.input.spec });
    created(d, first.slot, first.job);
    return true;
  } catch (err) {
    // Unless it failed asking for the slot, it may have reached POST /jobs.
    d.state.createAttempted = !sentNoCreate(err);
    if (isFailureOf(err, JOB_REFUSED)) {
      d.state.creationFailure = `the Delivery Engine refused the job: ${failureMessage(err)}`;
      return true;
    }
    note(d, 'error', `first creation attempt failed, retrying: ${failureMessage(err)}`);
    return false;
  }
}

async function durableAttempts(d: Delivery): Promise<CreationOutcome> {
  const { state, input } = d;
  const giveUpAt = Date.parse(input.giveUpAt);
  let slot: ChosenSlot | undefined;
  let failures = 0;
  while (!state.job) {
    // Canceled: stop. A job made by a create whose answer was lost tells of itself with its
    // CREATED event, and is canceled as this delivery's stray then (workflows/inbox.ts).
    if (state.cancelRequested) return 'settled';
    if (Date.now() >= giveUpAt) {
      state.creationFailure = `no slot could be had before ${input.giveUpAt} (last error: ${state.lastError ?? 'none'})`;
      return 'settled';
    }
    if (failures > 0) {
      if (historyIsLong(d)) return 'continue-as-new';
      const waitMs = Math.min(
        CREATION_BACKOFF.maxMs,
        CREATION_BACKOFF.initialMs * CREATION_BACKOFF.factor ** (failures - 1),
      );
      await condition(() => state.cancelRequested !== undefined, Math.max(1, Math.min(waitMs, giveUpAt - Date.now())));
      // Cut short by a cancel, or past the window: the checks above decide.
      if (state.cancelRequested || Date.now() >= giveUpAt) continue;
    }
    try {
      if (!slot || Date.parse(slot.expires_at) - Date.now() < SLOT_FRESHNESS_MS) {
        slot = await unlessCanceledBeforeCreate(d, () => freshSlot(d, slot, giveUpAt));
        if (!slot) return 'settled';
      }
      state.createAttempted = true;
      state.lastSlotId = slot.slot_id;
      const res = await engineUntil(Math.min(giveUpAt, Date.parse(slot.expires_at))).createJob({
        serviceId: input.serviceId,
        slotId: slot.slot_id,
        spec: input.spec,
      });
      created(d, slot, res);
    } catch (err) {
      failures += 1;
      state.lastError = boundedText(failureMessage(err));
      if (isFailureOf(err, SLOT_UNUSABLE)) {
        note(d, 'error', `slot ${slot?.slot_id} no longer usable (${failureType(err)}): asking for a new one`);
        slot = undefined;
      } else if (isFailureOf(err, JOB_REFUSED)) {
        state.creationFailure = `the Delivery Engine refused the job: ${state.lastError}`;
        return 'settled';
      } else {
        // Timed out against the slot's expiry or the window: the loop decides which.
        note(d, 'error', `creation still failing: ${state.lastError}`);
        slot = undefined;
      }
    }
  }
  return 'settled';
}

function historyIsLong(d: Delivery): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= d.tuning.continueAsNewAfterEvents;
}

/**
 * Creation gave up after a `POST /jobs` was sent: a job may exist at the engine although we never
 * learnt its id, and Instaleap cannot be asked for a job by its reference. Its CREATED event names
 * this delivery's reference: the intake then finds the delivery ended without that job and starts
 * its cancel (workflows/strayJob.ts), so no driver carries an order the platform is told failed.
 */
function orphanPossible(d: Delivery): void {
  note(d, 'error', `a job may exist for slot ${d.state.lastSlotId ?? '?'}: it is canceled when its first event comes`);
}

/** Runs `step` (a slot search, never a create), cut short (undefined) when the platform cancels. */
async function unlessCanceledBeforeCreate<T>(d: Delivery, step: () => Promise<T>): Promise<T | undefined> {
  const scope = new CancellationScope();
  let cut = false;
  void condition(() => d.state.cancelRequested !== undefined).then(() => {
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
async function freshSlot(d: Delivery, current: ChosenSlot | undefined, giveUpAt: number): Promise<ChosenSlot> {
  const engine = engineUntil(giveUpAt);
  if (current) {
    try {
      const check = await engine.checkSlot(current.slot_id);
      if (check.valid) {
        const extended = await engine.extendSlot(current.slot_id);
        if (extended.valid && extended.expires_at) {
          note(d, 'status', `slot ${current.slot_id} extended to ${extended.expires_at}`);
          return { ...current, expires_at: extended.expires_at };
        }
      }
    } catch (err) {
      if (!isFailureOf(err, SLOT_UNUSABLE)) throw err;
    }
  }
  return engine.findSlot(d.input.spec.availability);
}
