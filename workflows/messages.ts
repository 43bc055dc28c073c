/**
 * The delivery workflow's messages, declared once and imported by the workflow and its callers
 * (the intake API, operator scripts, tests).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CancelOrder,
  CreateServiceAnswer,
  DeliveryView,
  OperatorCommand,
  PickupRelease,
  ReceiverChange,
  WorkflowJobEvent,
} from '../contracts/delivery';

/**
 * The worker's workflow types by name (workflows/index.ts exports each under it), for the callers
 * that never load workflow code: the intake API, activities and scripts.
 */
export const WorkflowType = {
  delivery: 'deliveryWorkflow',
  strayJob: 'strayJobWorkflow',
  reconcile: 'reconcileWorkflow',
} as const;

/**
 * VTEX Create service: waits up to `waitMs` for the job, then answers (PENDING if not yet).
 * `answerBy` (epoch ms), when set: the API answers the platform by then at the latest, whatever
 * this update answers, so the confirmation wait counts from it. The API sent it for burst calls
 * until those became a signal-with-start of `serviceAnswered`; still honoured for an older API
 * during a rolling deploy.
 */
export const createServiceUpdate = defineUpdate<CreateServiceAnswer, [{ waitMs: number; answerBy?: number }]>(
  'createService',
);

/**
 * The API tells when it actually answered Create service, when that was later than the update's
 * answer; in a burst it comes with the start itself (signal-with-start) and says the latest time.
 */
export const serviceAnsweredSignal = defineSignal<[{ at: number }]>('serviceAnswered');

/** A Delivery Engine job event, already authenticated by the intake. */
export const carrierEventSignal = defineSignal<[WorkflowJobEvent]>('carrierEvent');

/** The platform (or an operator: `by`) pauses (`pause: true`) or resumes (`pause: false`) the delivery. */
export const pauseSignal = defineSignal<[{ pause: boolean; reason: string; by?: string }]>('pause');

/** The platform (or an operator: `by`) cancels the delivery. */
export const cancelSignal = defineSignal<[CancelOrder]>('cancel');

/**
 * The platform validated its pickup PIN (Abbiamo's PICKUP_PIN_VALIDATION_REQUEST, synchronous): the
 * job leaves its hold and the answer says whether the driver is unlocked. `pincode`, when sent, must
 * be the delivery's.
 */
export const releasePickupUpdate = defineUpdate<PickupRelease, [{ pincode?: string }]>('releasePickup');

/** The platform changed the receiver (name, phone, document, address): the job follows. */
export const receiverSignal = defineSignal<[ReceiverChange]>('receiverChange');

/** An operator's command (contracts/delivery.ts `OperatorCommand`), recorded with who and why. */
export const operatorSignal = defineSignal<[OperatorCommand]>('operator');

export const deliveryStateQuery = defineQuery<DeliveryView>('deliveryState');
