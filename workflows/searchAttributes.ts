/**
 * Custom search attributes of a delivery workflow: operators find any delivery in the Web UI by
 * order, status, carrier, job or route. Registered at start-up (scripts/temporal-setup.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { DeliveryInput } from '../contracts/delivery';

export const DeliveryStatusKey = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const CarrierIdKey = defineSearchAttributeKey('CarrierId', SearchAttributeType.KEYWORD);
export const JobIdKey = defineSearchAttributeKey('JobId', SearchAttributeType.KEYWORD);
export const PlatformKey = defineSearchAttributeKey('Platform', SearchAttributeType.KEYWORD);
export const RouteIdKey = defineSearchAttributeKey('RouteId', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
/** When the delivery last moved (a carrier event, a status change, a report taken): finds the stuck ones. */
export const LastProgressAtKey = defineSearchAttributeKey('LastProgressAt', SearchAttributeType.DATETIME);

export const DELIVERY_SEARCH_ATTRIBUTES = [
  DeliveryStatusKey,
  OrderIdKey,
  CarrierIdKey,
  JobIdKey,
  PlatformKey,
  RouteIdKey,
  NeedsAttentionKey,
  LastProgressAtKey,
] as const;

/**
 * What a delivery is found by from its first moment, set when its workflow starts (no command in
 * the workflow's first task): order, carrier, platform, route, status PENDING, and its start as
 * its last progress.
 */
export function startSearchAttributes(input: DeliveryInput, now = new Date()): SearchAttributePair[] {
  return [
    { key: LastProgressAtKey, value: now },
    { key: OrderIdKey, value: input.orderId },
    { key: CarrierIdKey, value: input.carrierId },
    { key: PlatformKey, value: input.platform },
    { key: DeliveryStatusKey, value: 'PENDING' },
    { key: NeedsAttentionKey, value: input.attention !== undefined },
    ...(input.routeId ? [{ key: RouteIdKey, value: input.routeId }] : []),
  ];
}

/** The memo `summary`: what the search attributes do not say (the status is `DeliveryStatus`). */
export interface MemoSummary {
  jobId: string | null;
  paused: boolean;
  needsAttention: boolean;
  lastError: string | null;
}

export function memoSummary(summary: MemoSummary): MemoSummary {
  return {
    jobId: summary.jobId,
    paused: summary.paused,
    needsAttention: summary.needsAttention,
    lastError: summary.lastError,
  };
}

/** The memo a delivery starts with (set with its start, like the search attributes). */
export function startMemo(input: DeliveryInput): { summary: MemoSummary } {
  return {
    summary: memoSummary({
      jobId: null,
      paused: false,
      needsAttention: input.attention !== undefined,
      lastError: input.attention ?? null,
    }),
  };
}
