/** Instaleap's Job Tracking event types (its page "Job Tracking Statuses"). Free of imports: the workflow bundle reads them. */

/**
 * Instaleap's Job Tracking event types the bridge maps (docs/partners.md "Delivery Engine"), then
 * those it keeps in the timeline without a report. Types not listed are kept the same way.
 */
export const MAPPED_EVENT_TYPES = [
  'CREATED',
  'ALLOCATED',
  'RE_ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_FINISHED',
  'CHECKING_OUT_STARTED',
  'CHECKED_OUT',
  'GOING_TO_DESTINATION_STARTED',
  'ARRIVED_TO_DESTINATION',
  'DELIVERING_STARTED',
  'CLIENT_RECEIVED',
  'CANCELLED',
  'RESCHEDULED',
  'REFUSED',
  'TASK_RESET_PICKING',
  'TASK_RESET_DELIVERY',
] as const;
export const TIMELINE_EVENT_TYPES = [
  'PICKING_STARTED',
  'ITEM_PICKED',
  'ITEM_REPLACED',
  'ITEM_NOT_FOUND',
  'PACKAGES_CREATED',
  'PACKAGES_UPDATED',
  'INVOICING_STARTED',
  'INVOICED',
  'PAYMENT_INFO_UPDATED',
  'PAYMENT_CAPTURED',
  'STORING_STARTED',
  'STORED',
  'CHAT_MESSAGE',
  'STORE_CHANGED',
  'JOB_UPDATED',
] as const;
export type KnownEventType = (typeof MAPPED_EVENT_TYPES)[number] | (typeof TIMELINE_EVENT_TYPES)[number];

/** The TASK_RESET_* family: a task of the job started over (a picker or a driver gave it back). */
export function isTaskReset(type: string): boolean {
  return type.startsWith('TASK_RESET');
}
