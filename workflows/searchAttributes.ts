/**
 * Custom search attributes of a delivery workflow: operators find any delivery in the Web UI by
 * order, status, carrier, job or route. Registered at start-up (scripts/temporal-setup.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DeliveryStatusKey = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const CarrierIdKey = defineSearchAttributeKey('CarrierId', SearchAttributeType.KEYWORD);
export const JobIdKey = defineSearchAttributeKey('JobId', SearchAttributeType.KEYWORD);
export const PlatformKey = defineSearchAttributeKey('Platform', SearchAttributeType.KEYWORD);
export const RouteIdKey = defineSearchAttributeKey('RouteId', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);

export const DELIVERY_SEARCH_ATTRIBUTES = [
  DeliveryStatusKey,
  OrderIdKey,
  CarrierIdKey,
  JobIdKey,
  PlatformKey,
  RouteIdKey,
  NeedsAttentionKey,
] as const;
