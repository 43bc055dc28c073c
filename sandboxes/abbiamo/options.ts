/** What the Abbiamo sandbox can be asked to be. */
import type { Logger } from 'pino';
import type { PartialFaultSettings } from '../common/faults';

export interface AbbiamoSandboxOptions {
  /** where this sandbox, playing Abbiamo, sends DELIVERY_REQUEST and CANCELLATION_REQUEST events */
  intake?: { url: string; token: string; timeoutMs?: number };
  /** the carrier key our status calls must carry as `x-abbiamo-carrier-key` (default: the sandbox's) */
  carrierKey?: string;
  /**
   * How long a delivery may stay unconfirmed before the sandbox cancels it and sends
   * CANCELLATION_REQUEST CARRIER_TIMEOUT (Abbiamo's default: 30 minutes; seconds in tests).
   */
  confirmationTimeoutMs?: number;
  /**
   * A status call for a delivery this sandbox never sent: `reject` (404, as Abbiamo would) or
   * `register` (filed then, for users who post DELIVERY_REQUESTs straight to our intake).
   */
  unknownDeliveries?: 'reject' | 'register';
  faults?: PartialFaultSettings;
  logger?: Logger;
}

/** The same value as the bridge's sandbox default for MARKETPLACE_CARRIER_KEY (config/index.ts). */
export const SANDBOX_CARRIER_KEY = 'sandbox-abbiamo-carrier-key';
export const DEFAULT_CONFIRMATION_TIMEOUT_MS = 30 * 60_000;
