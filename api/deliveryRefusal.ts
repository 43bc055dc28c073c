/**
 * Why the delivery gateway cannot do what a caller asked, in the delivery's terms. The error
 * middleware (api/errors.ts) makes the HTTP answer: the gateway knows no status codes.
 */
import type { FieldError } from '../contracts/common';

export type DeliveryRefusalKind =
  /** no such delivery (or not the caller's) */
  | 'unknown'
  /** the delivery, or its workflow, already ended: the action cannot be carried out */
  | 'ended'
  /** Temporal did not show the delivery exists by the platform's deadline: the same request again is safe */
  | 'not-registered'
  /** Temporal did not take the call: the same request again is safe */
  | 'temporal-unavailable';

export class DeliveryRefusal extends Error {
  constructor(
    readonly kind: DeliveryRefusalKind,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DeliveryRefusal';
  }
}
