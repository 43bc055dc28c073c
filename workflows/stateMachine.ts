/**
 * The delivery's status machine, in one place (VTEX's guide statuses). Pure and deterministic: the
 * workflow asks it whether a carrier event may move the delivery, and to which status.
 *
 * Progress statuses only move forward: PENDING < ASSIGNED < PICKED < ON_ROUTE < DELIVERED.
 * INCIDENT and ON_HOLD interrupt progress from any open status; leaving them, progress resumes at
 * or after where it stood. RETURNED, DELIVERED and CANCELED end the delivery: nothing moves it again.
 */
import { isTaskReset } from '../contracts/jobEventTypes';
import type { DeliveryStatus } from '../contracts/delivery';

const PROGRESS_RANK: Partial<Record<DeliveryStatus, number>> = {
  PENDING: 0,
  ASSIGNED: 1,
  PICKED: 2,
  ON_ROUTE: 3,
  DELIVERED: 4,
};

export const TERMINAL_STATUSES: readonly DeliveryStatus[] = ['DELIVERED', 'RETURNED', 'CANCELED'];
const INTERRUPTIONS: readonly DeliveryStatus[] = ['INCIDENT', 'ON_HOLD'];

export function isTerminal(status: DeliveryStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The delivery status an Instaleap event type stands for (docs/partners.md "Delivery Engine"); undefined: none, the event is only kept in the timeline. */
export function statusForEventType(type: string): DeliveryStatus | undefined {
  switch (type) {
    case 'CREATED':
      return 'PENDING';
    case 'ALLOCATED':
    case 'RE_ALLOCATED':
    case 'GOING_TO_ORIGIN_STARTED':
    case 'ARRIVED_TO_ORIGIN':
      return 'ASSIGNED';
    case 'PICKING_FINISHED':
    case 'CHECKING_OUT_STARTED':
    case 'CHECKED_OUT':
      return 'PICKED';
    case 'GOING_TO_DESTINATION_STARTED':
    case 'ARRIVED_TO_DESTINATION':
    case 'DELIVERING_STARTED':
      return 'ON_ROUTE';
    case 'CLIENT_RECEIVED':
      return 'DELIVERED';
    case 'CANCELLED':
      return 'CANCELED';
    case 'REFUSED':
      return 'INCIDENT';
    default:
      // The TASK_RESET_* family: a task started over. ON_HOLD and RETURNED are no engine events:
      // an operator's force-status raises them (workflows/operator.ts).
      return isTaskReset(type) ? 'INCIDENT' : undefined;
  }
}

export interface StatusPosition {
  status: DeliveryStatus;
  /** While interrupted (INCIDENT, ON_HOLD): the progress rank the delivery had reached before. */
  rankBeforeInterruption?: number;
}

export type MoveDecision =
  | { kind: 'move'; to: DeliveryStatus; position: StatusPosition }
  | { kind: 'same'; position: StatusPosition }
  | { kind: 'refuse'; reason: string };

function progressRank(position: StatusPosition): number {
  if (INTERRUPTIONS.includes(position.status)) return position.rankBeforeInterruption ?? 0;
  return PROGRESS_RANK[position.status] ?? 0;
}

/** May the delivery go from `from` to `to`? Returns the new position, or why not. */
export function decideMove(from: StatusPosition, to: DeliveryStatus): MoveDecision {
  if (isTerminal(from.status)) {
    return to === from.status
      ? { kind: 'same', position: from }
      : { kind: 'refuse', reason: `the delivery already ended ${from.status}` };
  }
  if (to === from.status) return { kind: 'same', position: from };
  if (INTERRUPTIONS.includes(to)) {
    return { kind: 'move', to, position: { status: to, rankBeforeInterruption: progressRank(from) } };
  }
  if (to === 'RETURNED' || to === 'CANCELED') return { kind: 'move', to, position: { status: to } };
  const toRank = PROGRESS_RANK[to];
  if (toRank === undefined) return { kind: 'refuse', reason: `${to} is not a carrier status` };
  if (toRank < progressRank(from)) {
    return { kind: 'refuse', reason: `${to} would move the delivery back from ${from.status}` };
  }
  return { kind: 'move', to, position: { status: to } };
}

/** Whether the driver has the parcel (PICKED or beyond, also while interrupted there). */
export function isCollected(position: StatusPosition): boolean {
  return !isTerminal(position.status) && progressRank(position) >= PROGRESS_RANK.PICKED!;
}

/**
 * Where an operator's forced status puts the delivery: anywhere open, even back (the operator
 * corrects what the carrier got wrong); an interruption remembers the progress it interrupted.
 */
export function forcedPosition(from: StatusPosition, to: DeliveryStatus): StatusPosition {
  return INTERRUPTIONS.includes(to) ? { status: to, rankBeforeInterruption: progressRank(from) } : { status: to };
}
