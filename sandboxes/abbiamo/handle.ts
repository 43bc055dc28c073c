/** What a test in the same process can do with the Abbiamo sandbox: the admin API's powers, typed. */
import type { SandboxControls } from '../common/controls';
import type { Answer } from '../common/outgoing';
import type { AbbiamoStatus, SandboxDeliveryRow, ReceivedStatus, SandboxDelivery } from './deliveries';
import type { DeliveryRequestResult } from './abbiamoCaller';

export interface AbbiamoSandboxHandle extends SandboxControls {
  /** sends a DELIVERY_REQUEST to the intake; default: the first DELIVERY_REQUEST example (contracts/examples) with fresh ids and headers */
  sendDeliveryRequest(event?: unknown): Promise<DeliveryRequestResult>;
  /** a delivery as Abbiamo holds it (GET /v1/delivery/:id shows the same) */
  delivery(deliveryId: string): SandboxDelivery | undefined;
  /** the status calls received for a delivery, in arrival order, each with what Abbiamo made of it */
  statusCalls(deliveryId: string): ReceivedStatus[];
  deliveries(): SandboxDeliveryRow[];
  /** sets a delivery's status behind the carrier's back (drift repair's tests); the delivery after it */
  amendDelivery(deliveryId: string, change: { status: AbbiamoStatus }): SandboxDelivery | undefined;
  /**
   * The seller cancels: the delivery ends ORDER_FAILED SELLER_CANCELED and the intake gets
   * CANCELLATION_REQUEST. Refused (409) once collected, as Abbiamo does, unless `force`.
   */
  cancelDelivery(deliveryId: string, options?: { force?: boolean }): Promise<Answer | { error: string }>;
  /**
   * the seller changed the receiver: sends ORDER_RECEIVER_UPDATE (the body's shape is the carrier's
   * guess, contracts/abbiamo.ts ReceiverUpdateEvent) with `change` as its `customer` and/or
   * `destination_address`; the intake's answer
   */
  changeReceiver(
    deliveryId: string,
    change: { customer?: Record<string, unknown>; destination_address?: Record<string, unknown> },
  ): Promise<Answer>;
  /**
   * the store operator typed the driver's PIN and Abbiamo found it right: sends
   * PICKUP_PIN_VALIDATION_REQUEST (shape: contracts/abbiamo.ts PickupPinValidationEvent) with
   * that `pincode_value`; the intake's answer
   */
  validatePickupPin(deliveryId: string, pincode: string): Promise<Answer>;
  /** changes the confirmation timeout for deliveries sent from now on */
  setConfirmationTimeout(ms: number): void;
  setIntake(intake: { url: string; token: string; timeoutMs?: number }): void;
  /** stops the confirmation timers (close() does it too) */
  stop(): void;
}
