/** What a Delivery Engine (Instaleap) sandbox can be asked to be; defaults follow Instaleap where known (15 min slots). */
import type { Logger } from 'pino';
import type { PartialFaultSettings } from '../common/faults';

/** One attempt to deliver one event to one registered URL. */
export interface DeliveryAttempt {
  jobId: string;
  eventId: string;
  type: string;
  url: string;
  attempt: number;
  /** the receiver's status; null when it did not answer */
  status: number | null;
  error: string | null;
  at: string;
  durationMs: number;
  /** delivered (200), retrying, or gave-up (maxAttempts reached) */
  outcome: 'delivered' | 'retrying' | 'gave-up';
}

export interface WebhookOptions {
  /** the account's webhook URLs (Instaleap takes up to 3); also set through the admin API */
  urls?: string[];
  /** wait before the first retry; doubles on each retry */
  initialDelayMs?: number;
  /** the longest wait between retries */
  maxDelayMs?: number;
  /** attempts per event before giving up (the real engine's retries are unpublished) */
  maxAttempts?: number;
  /** how long one attempt waits for the receiver's answer */
  timeoutMs?: number;
  /** 0..1: share of events sent twice (same id) */
  duplicateRate?: number;
  /** swap each pair of consecutive events of a job */
  reorder?: boolean;
  /** with reorder: how long an event waits for a successor to swap with before going alone */
  reorderWindowMs?: number;
  /** with reorder: the share (0..1) of events held back for a successor to swap with (default 1: every pair) */
  reorderRate?: number;
  /** told of every delivery attempt as it is recorded (a long run keeps its own index: the list is capped) */
  onAttempt?: (attempt: DeliveryAttempt) => void;
}

export interface EngineSandboxOptions {
  /** the only key accepted in `x-api-key` */
  apiKey: string;
  /** the secret every event is signed with (`InstaLeap-Signature`) */
  webhookSecret: string;
  /** how long a slot from POST /jobs/availability/v2 is held */
  slotHoldMs?: number;
  /** share (0..1) of slots that lapse before their job is created: offered already expired */
  slotLapseRate?: number;
  webhook?: WebhookOptions;
  /** every new job plays this scenario on its own (for demos) */
  autoplay?: { scenario: string; stepMs: number };
  faults?: PartialFaultSettings;
  logger?: Logger;
}

export type ResolvedWebhookOptions = Required<Omit<WebhookOptions, 'urls'>>;

export function resolveWebhookOptions(options: WebhookOptions = {}): ResolvedWebhookOptions {
  const { urls: _urls, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as WebhookOptions;
  return {
    initialDelayMs: 200,
    maxDelayMs: 5000,
    maxAttempts: 1000,
    timeoutMs: 5000,
    duplicateRate: 0,
    reorder: false,
    reorderWindowMs: 2000,
    reorderRate: 1,
    onAttempt: () => undefined,
    ...defined,
  };
}

export const DEFAULT_SLOT_HOLD_MS = 15 * 60 * 1000;
/** Instaleap takes up to three webhook URLs per account. */
export const MAX_WEBHOOK_URLS = 3;
