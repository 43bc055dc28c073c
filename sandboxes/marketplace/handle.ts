/** What a test in the same process can do with a marketplace sandbox: the admin API's powers, typed. */
import type { SandboxControls } from '../common/controls';
import type { DeliverySummary, ReceivedCallback } from './callbacks';
import type { DeliveryRequestResult } from './marketplaceCaller';

export interface MarketplaceSandboxHandle extends SandboxControls {
  /** sends a DELIVERY_REQUEST to the intake; default: seed 002's first example with fresh ids and headers */
  sendDeliveryRequest(event?: unknown): Promise<DeliveryRequestResult>;
  /** status callbacks received for a delivery, in arrival order */
  callbacks(deliveryId: string): ReceivedCallback[];
  deliveries(): DeliverySummary[];
  /** accepts one more header set on status callbacks */
  acceptHeaders(set: Record<string, string>): void;
  setIntake(intake: { url: string; token: string; timeoutMs?: number }): void;
}
