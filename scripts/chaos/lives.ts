/**
 * The lives the chaos run plays: which platform a delivery comes from, the Instaleap events its
 * driver produces (contracts/jobEventTypes.ts: `{id, type, created_at, job}`, nothing else), what
 * the platform itself does in flight (cancel, pause, resume, sometimes right after a worker kill),
 * what an operator does (force-status, then clear-flag or resend-refused of a refused final report),
 * and how the platform misbehaves for this one delivery (503s, 404s, a final report refused for
 * good). Generated from a seed, so a run can be played again.
 */
import type { LifeKind } from './checker';

/** Statuses an operator forces in a life (workflows/operator.ts FORCEABLE_STATUSES). */
export type ForcedStatus = 'INCIDENT' | 'ON_HOLD' | 'RETURNED';

export type Step =
  /** `largest`: the job of the event carries as much as the webhook takes (scripts/chaos/run.ts `largestJobOverride`) */
  | { do: 'event'; type: string; optional?: boolean; largest?: boolean }
  | { do: 'cancel' }
  | { do: 'pause' }
  | { do: 'resume' }
  /** waits (up to a minute) for the worker's next SIGKILL, so the next step is in flight while it is down */
  | { do: 'await-kill' }
  /** an operator's force-status through the API (`why` carries the life's marker) */
  | { do: 'force'; status: ForcedStatus; why: string }
  /** VTEX answers `status` (503 unless said) to every tracking call of this delivery for `ms` */
  | { do: 'refuse-reports'; ms: number; status?: number };

export interface LifePlan {
  index: number;
  kind: LifeKind;
  platform: 'vtex' | 'marketplace';
  /** VTEX orderId or Abbiamo delivery_id */
  reference: string;
  carrierId?: string;
  steps: Step[];
  /** the last step is the delivery's end (a carrier event, the platform's cancel, an operator's forced end) */
  terminal: 'event' | 'platform-cancel' | 'operator' | 'none';
  /** the engine answers 409 to this delivery's POST /jobs for this long */
  refuseCreateMs?: number;
  /** the first POST /jobs of this delivery are carried out this late (the caller gives up first) */
  delayCreateMs?: number;
  /** cancel as soon as the Create answer came, before waiting for the job */
  cancelRightAway?: boolean;
  /** another delivery with the same reference (an Abbiamo delivery_id equal to this order id), started just before this one */
  twinOf?: number;
  /**
   * VTEX refuses the final report for good (400 to every tracking call from the last event on);
   * once the delivery is flagged, VTEX takes calls again and an operator resends or clears.
   */
  finalRefusal?: 'resend' | 'clear';
}

/** Share of each kind in a run (weights; the default mix of `npm run chaos`). */
export const DEFAULT_MIX: Record<LifeKind, number> = {
  happy: 12,
  'operator-incident': 5,
  'refused-returned': 5,
  'carrier-cancel': 5,
  'operator-on-hold': 5,
  'task-resets': 5,
  long: 4,
  'vtex-cancel-in-flight': 5,
  'vtex-pause-in-flight': 5,
  'cancel-during-kill': 5,
  'pause-during-kill': 4,
  'marketplace-happy': 8,
  'marketplace-cancel': 3,
  'cancel-during-creation': 4,
  'cancel-behind-refused-reports': 3,
  'shared-reference': 3,
  'engine-refuses-create': 2,
  'final-report-resent': 3,
  'final-report-cleared': 3,
  'vtex-not-found': 4,
  'largest-events': 2,
};

/** A small deterministic PRNG (mulberry32), so a seed replays the same plan. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UP_TO_PICKUP = [
  'CREATED',
  'ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_FINISHED',
  'CHECKED_OUT',
];
const TO_CLIENT = ['GOING_TO_DESTINATION_STARTED', 'ARRIVED_TO_DESTINATION', 'DELIVERING_STARTED'];

/** How long the run's deliberate refusals last (VTEX refusing one delivery's reports or answering 404, the engine its creates). */
export interface Stalls {
  refuseReportsMs: number;
  refuseCreateMs: number;
  notFoundMs: number;
}
export const DEFAULT_STALLS: Stalls = { refuseReportsMs: 45_000, refuseCreateMs: 30_000, notFoundMs: 60_000 };
export function planLives(
  count: number,
  seed: number,
  runId: string,
  mix: Partial<Record<LifeKind, number>> = DEFAULT_MIX,
  stalls: Stalls = DEFAULT_STALLS,
): LifePlan[] {
  const random = rng(seed);
  const kinds = Object.entries(mix).filter(([, w]) => (w ?? 0) > 0) as [LifeKind, number][];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  // Every kind at least once when the run is big enough, then drawn by weight.
  const drawn: LifeKind[] = count >= kinds.length ? kinds.map(([k]) => k) : [];
  while (drawn.length < count) {
    let r = random() * total;
    const hit = kinds.find(([, w]) => (r -= w) < 0) ?? kinds[0]!;
    drawn.push(hit[0]);
  }
  // Shuffle so kinds are spread over the run.
  for (let i = drawn.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [drawn[i], drawn[j]] = [drawn[j]!, drawn[i]!];
  }
  const plans: LifePlan[] = [];
  for (const kind of drawn) {
    if (plans.length >= count) break;
    const index = plans.length;
    if (kind === 'shared-reference' && plans.length + 2 <= count) {
      // The twin: an Abbiamo delivery whose delivery_id is the VTEX order id, started first
      // (VTEX's Create service is ours only for our own carrierId, so a VTEX twin under another
      // carrier is refused at the intake).
      const reference = `CH-${runId}-${index}`;
      plans.push({ ...planOne('marketplace-happy', index, reference, random, stalls), kind: 'shared-reference' });
      plans.push({ ...planOne('shared-reference', index + 1, reference, random, stalls), twinOf: index });
      continue;
    }
    plans.push(planOne(kind === 'shared-reference' ? 'happy' : kind, index, `CH-${runId}-${index}`, random, stalls));
  }
  return plans;
}

function planOne(kind: LifeKind, index: number, reference: string, random: () => number, stalls: Stalls): LifePlan {
  const m = (what: string) => `[d${index}.${what}]`;
  const event = (type: string, optional?: boolean): Step => ({ do: 'event', type, ...(optional ? { optional } : {}) });
  const events = (types: string[]) => types.map((t) => event(t));
  const delivered = () => event('CLIENT_RECEIVED');
  const base = { index, kind, reference };
  const vtex = { ...base, platform: 'vtex' as const };
  const happySteps = () => [...events([...UP_TO_PICKUP, ...TO_CLIENT]), delivered()];

  switch (kind) {
    case 'happy':
    case 'shared-reference':
      return { ...vtex, steps: happySteps(), terminal: 'event' };
    case 'operator-incident':
      // An operator raises an incident (Instaleap sends none); the carrier reschedules and goes on.
      return {
        ...vtex,
        steps: [
          ...events([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED']),
          { do: 'force', status: 'INCIDENT', why: `Address not found ${m('inc')}` },
          event('RESCHEDULED'),
          ...events(TO_CLIENT),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'refused-returned':
      // The client refuses the package (an ERROR note); an operator ends it RETURNED.
      return {
        ...vtex,
        steps: [
          ...events([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'ARRIVED_TO_DESTINATION']),
          event('REFUSED'),
          { do: 'force', status: 'RETURNED', why: `Back at the store ${m('ret')}` },
        ],
        terminal: 'operator',
      };
    case 'carrier-cancel':
    case 'marketplace-cancel':
      return {
        ...base,
        platform: kind === 'marketplace-cancel' ? 'marketplace' : 'vtex',
        steps: [...events(['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']), event('CANCELLED')],
        terminal: 'event',
      };
    case 'operator-on-hold':
      return {
        ...vtex,
        steps: [
          ...events(['CREATED', 'ALLOCATED']),
          { do: 'force', status: 'ON_HOLD', why: `The client asked to wait ${m('h1')}` },
          ...events(['GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN', 'PICKING_FINISHED', 'CHECKED_OUT']),
          event('GOING_TO_DESTINATION_STARTED'),
          { do: 'force', status: 'ON_HOLD', why: `Gate closed ${m('h2')}` },
          ...events(['ARRIVED_TO_DESTINATION', 'DELIVERING_STARTED']),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'task-resets':
      // The same ERROR note twice, from two events: VTEX must hold it twice.
      return {
        ...vtex,
        steps: [
          ...events([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED']),
          ...events(['TASK_RESET_DELIVERY', 'RE_ALLOCATED', 'GOING_TO_DESTINATION_STARTED']),
          ...events(['TASK_RESET_DELIVERY', 'RE_ALLOCATED', 'GOING_TO_DESTINATION_STARTED']),
          ...events(['ARRIVED_TO_DESTINATION', 'DELIVERING_STARTED']),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'long': {
      // A driver who loops around the block, handing the job back now and then: enough events to
      // continue as new more than once (CONTINUE_AS_NEW_AFTER_EVENTS), while the worker is killed.
      const loops: Step[] = [];
      for (let i = 0; i < 24; i++) {
        loops.push(event('ARRIVED_TO_DESTINATION'));
        if (i % 6 === 5) loops.push(event('TASK_RESET_DELIVERY'), event('RE_ALLOCATED'));
        loops.push(event('GOING_TO_DESTINATION_STARTED'));
      }
      return {
        ...vtex,
        steps: [
          ...events([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED']),
          ...loops,
          event('DELIVERING_STARTED'),
          delivered(),
        ],
        terminal: 'event',
      };
    }
    case 'vtex-cancel-in-flight':
    case 'cancel-during-kill': {
      const before = UP_TO_PICKUP.slice(0, 2 + Math.floor(random() * 4));
      return {
        ...vtex,
        // The driver does not know yet: one more event after the cancel, which must not reach VTEX.
        steps: [
          ...events(before),
          event('GOING_TO_DESTINATION_STARTED'),
          ...(kind === 'cancel-during-kill' ? [{ do: 'await-kill' } as const] : []),
          { do: 'cancel' },
          event('ARRIVED_TO_DESTINATION'),
        ],
        terminal: 'platform-cancel',
      };
    }
    case 'vtex-pause-in-flight':
    case 'pause-during-kill': {
      const duringKill: Step[] = kind === 'pause-during-kill' ? [{ do: 'await-kill' }] : [];
      return {
        ...vtex,
        steps: [
          ...events(['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']),
          ...duringKill,
          { do: 'pause' },
          ...events(['ARRIVED_TO_ORIGIN', 'PICKING_FINISHED']),
          ...duringKill,
          { do: 'resume' },
          ...events(['CHECKED_OUT', ...TO_CLIENT]),
          delivered(),
        ],
        terminal: 'event',
      };
    }
    case 'marketplace-happy':
      return { ...base, platform: 'marketplace', steps: happySteps(), terminal: 'event' };
    case 'cancel-during-creation':
      // POST /jobs is slow (carried out after the caller gave up): Create answers PENDING, VTEX cancels at once.
      return { ...vtex, steps: [], terminal: 'platform-cancel', delayCreateMs: 7000, cancelRightAway: true };
    case 'cancel-behind-refused-reports':
      // VTEX refuses this delivery's reports for a while; its cancel must still reach the engine at once.
      return {
        ...vtex,
        steps: [
          ...events(['CREATED', 'ALLOCATED']),
          { do: 'refuse-reports', ms: stalls.refuseReportsMs },
          event('GOING_TO_ORIGIN_STARTED', true),
          event('ARRIVED_TO_ORIGIN', true),
          { do: 'cancel' },
        ],
        terminal: 'platform-cancel',
      };
    case 'engine-refuses-create':
      return { ...vtex, steps: happySteps(), terminal: 'event', refuseCreateMs: stalls.refuseCreateMs };
    case 'final-report-resent':
    case 'final-report-cleared':
      return {
        ...vtex,
        steps: happySteps(),
        terminal: 'event',
        finalRefusal: kind === 'final-report-resent' ? 'resend' : 'clear',
      };
    case 'vtex-not-found':
      // VTEX answers 404 to this delivery's tracking calls for a while (as if it lost the service):
      // the reports wait and arrive once after; nothing is canceled.
      return {
        ...vtex,
        steps: [
          ...events(['CREATED', 'ALLOCATED']),
          { do: 'refuse-reports', ms: stalls.notFoundMs, status: 404 },
          ...events(['GOING_TO_ORIGIN_STARTED', 'ARRIVED_TO_ORIGIN', 'PICKING_FINISHED', 'CHECKED_OUT', ...TO_CLIENT]),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'largest-events':
      // Every event carries the biggest job the webhook takes (many tasks, long texts).
      return {
        ...vtex,
        steps: happySteps().map((s) => (s.do === 'event' ? { ...s, largest: true } : s)),
        terminal: 'event',
      };
  }
}
