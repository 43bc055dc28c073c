/** What a marketplace sandbox can be asked to be. */
import type { Logger } from 'pino';
import type { PartialFaultSettings } from '../common/faults';

export interface MarketplaceSandboxOptions {
  /** where this sandbox, playing the marketplace, sends DELIVERY_REQUEST events */
  intake?: { url: string; token: string; timeoutMs?: number };
  /** header sets accepted on status callbacks besides those handed out in events (default: seed 002's) */
  acceptedHeaders?: Record<string, string>[];
  faults?: PartialFaultSettings;
  logger?: Logger;
}

/** Seed 002's `logistic_data.headers`. */
export const SEED_HEADERS: Record<string, string> = { Authorization: 'Bearer xxx' };
