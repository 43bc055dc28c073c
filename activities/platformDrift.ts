/**
 * Drift: what a platform shows of a delivery against what the delivery's workflow says it told
 * the platform (docs/runbook.md "Operators", drift repair). Pure functions, one per platform, each the one
 * place its comparison lives: a new check (the driver, notes by their per-event marker) is one
 * more line in `expectationOf` and one more `if` in the comparison.
 */
import { deliveryStatusOf, type DeliveryStatus, type DeliveryView } from '../contracts/delivery';
import type { AbbiamoDeliveryShown } from '../contracts/abbiamo';
import type { ServiceReadBack } from '../contracts/vtex';
import { isTerminal } from '../workflows/stateMachine';

/** What the platform should hold, read from the delivery's state (its view). */
export interface PlatformExpectation {
  status: DeliveryStatus;
  paused: boolean;
  /** Notes and evidences the platform took (or already held): the view's `platformRecord`. */
  notes: number;
  evidences: number;
  /** The driver the platform was last told of. */
  driverId?: string;
}

export type Comparison =
  | { kind: 'same' }
  | { kind: 'drift'; drift: string[] }
  /** The platform shows an end the delivery has not reached: an operator decides, nothing is overwritten. */
  | { kind: 'conflict'; reason: string };

/**
 * Whether the delivery is in a state where the platform must show exactly what it was told:
 * confirmed and active, nothing on its way to the platform, no refused report waiting for an
 * operator (those are the flag's business, not drift's). Undefined: compare; else why not.
 */
export function notComparable(view: DeliveryView): string | undefined {
  if (view.phase !== 'active') return `phase ${view.phase}`;
  if (view.pendingReports > 0) return `${view.pendingReports} report(s) in flight`;
  if (view.refusedReports > 0) return `${view.refusedReports} refused report(s) wait for an operator`;
  return undefined;
}

const REPORT_LINE = /^POST (notes|evidences) \((\d+)\)$/;
/** The workflow's line for a repair (workflows/operator.ts): the report lines after it are re-sends. */
const REPAIR_LINE = /repairs the platform's record .*: (\d+) call\(s\) sent again$/;

export function expectationOf(view: DeliveryView): PlatformExpectation {
  // The workflow says what the platform took; deliveries older than `platformRecord` are read from
  // their timeline's report lines.
  const told = view.platformRecord;
  if (told) {
    return {
      status: view.status,
      paused: view.paused,
      notes: told.notes,
      evidences: told.evidences,
      ...(told.driverId !== undefined ? { driverId: told.driverId } : {}),
    };
  }
  const sent = { notes: 0, evidences: 0 };
  // A lower bound: the timeline keeps its last lines only. Fewer at the platform is drift all the same.
  let resends = 0;
  for (const entry of view.timeline) {
    const repair = REPAIR_LINE.exec(entry.message);
    if (repair) resends = Number(repair[1]);
    if (entry.kind !== 'report') continue;
    if (resends > 0) {
      resends -= 1; // the same notes again: VTEX holds them once more, not one more of them
      continue;
    }
    const match = REPORT_LINE.exec(entry.message);
    if (match) sent[match[1] as 'notes' | 'evidences'] += Number(match[2]);
  }
  return { status: view.status, paused: view.paused, ...sent };
}

/** VTEX's `GET /tracking/hook/...` record against the delivery; a list VTEX left out is not compared. */
export function vtexDrift(expected: PlatformExpectation, shown: ServiceReadBack): Comparison {
  const shownStatus = deliveryStatusOf(shown.status);
  if (shownStatus && isTerminal(shownStatus) && shownStatus !== expected.status)
    return { kind: 'conflict', reason: `VTEX shows ${shown.status}, the delivery is ${expected.status}` };
  const drift: string[] = [];
  // VTEX's own Pause service shows ON_HOLD while the delivery keeps its status, paused.
  const holdOfPause = expected.paused && shown.status === 'ON_HOLD';
  if (shown.status !== expected.status && !holdOfPause)
    drift.push(`status: VTEX shows ${shown.status}, the delivery is ${expected.status}`);
  if (expected.driverId !== undefined && shown.agent?.id !== expected.driverId)
    drift.push(`driver: VTEX shows ${shown.agent?.id ?? 'none'}, the delivery has ${expected.driverId}`);
  if (shown.notes && shown.notes.length < expected.notes)
    drift.push(`notes: VTEX holds ${shown.notes.length}, the delivery sent ${expected.notes}`);
  if (shown.evidences && shown.evidences.length < expected.evidences)
    drift.push(`evidences: VTEX holds ${shown.evidences.length}, the delivery sent ${expected.evidences}`);
  return drift.length ? { kind: 'drift', drift } : { kind: 'same' };
}

/** What Abbiamo's `GET /v1/delivery/{id}` answers, as far as drift needs it. */
export type AbbiamoShown = AbbiamoDeliveryShown;

/** Abbiamo's steps, in order (docs/marketplace.md "Statuses"); the terminal ones apart. */
const ABBIAMO_RANK: Record<string, number> = {
  PENDING: 0,
  DISPATCHED: 1,
  IN_TRANSIT: 2,
  COLLECTED: 3,
  START_DELIVERY: 4,
  FAILED: 4,
  RETURNING: 5,
};
const ABBIAMO_TERMINAL = new Set(['SUCCESSFUL', 'RETURNED', 'ORDER_FAILED']);

/**
 * The least Abbiamo must show for a delivery in `status`: confirmed from the first report on,
 * START_DELIVERY once on route. Coarse on purpose: our statuses and Abbiamo's do not map one to
 * one (mapping/eventToAbbiamo.ts), and a lower bound never calls a correct delivery drifted.
 */
const ABBIAMO_AT_LEAST: Partial<Record<DeliveryStatus, number>> = {
  PENDING: 1,
  ASSIGNED: 1,
  PICKED: 1,
  ON_ROUTE: 4,
  INCIDENT: 1,
  ON_HOLD: 1,
};

export function abbiamoDrift(expected: PlatformExpectation, shown: AbbiamoShown): Comparison {
  if (ABBIAMO_TERMINAL.has(shown.status))
    return { kind: 'conflict', reason: `Abbiamo shows ${shown.status}, the delivery is ${expected.status}` };
  const least = ABBIAMO_AT_LEAST[expected.status];
  const rank = ABBIAMO_RANK[shown.status];
  if (least !== undefined && rank !== undefined && rank < least)
    return { kind: 'drift', drift: [`status: Abbiamo shows ${shown.status}, the delivery is ${expected.status}`] };
  return { kind: 'same' };
}
