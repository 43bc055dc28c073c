/**
 * The lives the chaos run plays: which platform a delivery comes from, the engine events its driver
 * produces (with notes, evidences and labels that carry a unique marker, so each can be counted at
 * the platform), and what the platform itself does in flight (cancel, pause, resume). Generated from
 * a seed, so a run can be played again.
 */
import type { LifeKind } from './checker';

export type Step =
  | { do: 'event'; type: string; overrides?: Record<string, unknown>; optional?: boolean }
  | { do: 'cancel' }
  | { do: 'pause' }
  | { do: 'resume' }
  /** VTEX answers 503 to every tracking call of this delivery for `ms` */
  | { do: 'refuse-reports'; ms: number };

export interface LifePlan {
  index: number;
  kind: LifeKind;
  platform: 'vtex' | 'marketplace';
  /** VTEX orderId or marketplace delivery_id */
  reference: string;
  carrierId?: string;
  steps: Step[];
  /** the last step is the delivery's end (a carrier event or the platform's cancel) */
  terminal: 'event' | 'platform-cancel' | 'none';
  /** the engine answers 409 to this delivery's POST /jobs for this long */
  refuseCreateMs?: number;
  /** the first POST /jobs of this delivery are carried out this late (the caller gives up first) */
  delayCreateMs?: number;
  /** cancel as soon as the Create answer came, before waiting for the job */
  cancelRightAway?: boolean;
  /** another delivery with the same reference (a marketplace delivery_id equal to this order id), started just before this one */
  twinOf?: number;
}

/** Share of each kind in a run (weights; the default mix of `npm run chaos`). */
export const DEFAULT_MIX: Record<LifeKind, number> = {
  happy: 16,
  incident: 7,
  returned: 6,
  'carrier-cancel': 6,
  'on-hold': 7,
  'repeated-note': 5,
  labels: 6,
  long: 4,
  'vtex-cancel-in-flight': 8,
  'vtex-pause-in-flight': 8,
  'marketplace-happy': 9,
  'marketplace-cancel': 3,
  'cancel-during-creation': 4,
  'cancel-behind-refused-reports': 3,
  'shared-reference': 3,
  'engine-refuses-create': 2,
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

/** How long the run's deliberate refusals last (VTEX refusing one delivery's reports, the engine its creates). */
export interface Stalls {
  refuseReportsMs: number;
  refuseCreateMs: number;
}
export const DEFAULT_STALLS: Stalls = { refuseReportsMs: 45_000, refuseCreateMs: 30_000 };

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
      // The twin: a marketplace delivery whose delivery_id is the VTEX order id, started first
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
  let n = 0;
  const note = () => {
    n += 1;
    return { notes: [{ type: 'COMMENT', note: `Driver note ${m(`n${n}`)}`, author: null }] };
  };
  const event = (type: string, overrides?: Record<string, unknown>, optional?: boolean): Step => ({
    do: 'event',
    type,
    ...(overrides ? { overrides } : {}),
    ...(optional ? { optional } : {}),
  });
  // A note now and then, on a different step each life.
  const withNotes = (types: string[]) =>
    types.map((t, i) => event(t, (i + index) % 3 === 0 && t !== 'CREATED' ? note() : undefined));
  const delivered = () =>
    event('CLIENT_RECEIVED', { notes: [{ type: 'COMMENT', note: `Delivered in person ${m('end')}`, author: null }] });
  const base = { index, kind, reference };
  const vtex = { ...base, platform: 'vtex' as const };

  switch (kind) {
    case 'happy':
      return { ...vtex, steps: [...withNotes([...UP_TO_PICKUP, ...TO_CLIENT]), delivered()], terminal: 'event' };
    case 'incident':
      return {
        ...vtex,
        steps: [
          ...withNotes([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED']),
          event('INCIDENT', { reason: `Address not found ${m('inc')}` }),
          event('RESCHEDULED', { reason: `Client asked for tomorrow ${m('res')}` }),
          ...withNotes(TO_CLIENT),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'returned':
      return {
        ...vtex,
        steps: [
          ...withNotes([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'ARRIVED_TO_DESTINATION']),
          event('REFUSED', { reason: `The client refused the package ${m('ref')}` }),
          event('RETURNED', { reason: `Back at the store ${m('ret')}` }),
        ],
        terminal: 'event',
      };
    case 'carrier-cancel':
    case 'marketplace-cancel':
      return {
        ...base,
        platform: kind === 'marketplace-cancel' ? 'marketplace' : 'vtex',
        steps: [
          ...withNotes(['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']),
          event('CANCELLED', { reason: `Store closed ${m('can')}` }),
        ],
        terminal: 'event',
      };
    case 'on-hold':
      return {
        ...vtex,
        steps: [
          ...withNotes(['CREATED', 'ALLOCATED']),
          event('ON_HOLD', { reason: `The client asked to wait ${m('h1')}` }),
          ...withNotes([
            'GOING_TO_ORIGIN_STARTED',
            'ARRIVED_TO_ORIGIN',
            'PICKING_FINISHED',
            'CHECKED_OUT',
            'GOING_TO_DESTINATION_STARTED',
          ]),
          event('ON_HOLD', { reason: `Gate closed ${m('h2')}` }),
          ...withNotes(['ARRIVED_TO_DESTINATION', 'DELIVERING_STARTED']),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'repeated-note': {
      // The same words twice, from two events: VTEX must hold them twice.
      const same = { notes: [{ type: 'COMMENT', note: `Ring twice at the gate ${m('same')}`, author: null }] };
      return {
        ...vtex,
        steps: [
          ...withNotes(['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']),
          event('ARRIVED_TO_ORIGIN', same),
          ...withNotes(['PICKING_FINISHED', 'CHECKED_OUT']),
          event('GOING_TO_DESTINATION_STARTED', same),
          ...withNotes(['ARRIVED_TO_DESTINATION', 'DELIVERING_STARTED']),
          delivered(),
        ],
        terminal: 'event',
      };
    }
    case 'labels': {
      const label = (k: number, type: 'PDF' | 'ZPL' | 'TEXT') => ({
        labels: [
          {
            id: `lbl-${index}-${k}`,
            url:
              type === 'TEXT'
                ? `Label text ${m(`l${k}`)}`
                : `https://media.chaos.sandbox/${index}/${k}.${type.toLowerCase()}`,
            name: `Label ${k}`,
            type,
          },
        ],
      });
      return {
        ...vtex,
        steps: [
          event('CREATED'),
          event('ALLOCATED', label(1, 'PDF')),
          event('GOING_TO_ORIGIN_STARTED'),
          event('ARRIVED_TO_ORIGIN', label(2, 'ZPL')),
          event('PICKING_FINISHED', label(3, 'TEXT')),
          event('CHECKED_OUT', { ...label(4, 'PDF'), ...note() }),
          ...withNotes(TO_CLIENT),
          delivered(),
        ],
        terminal: 'event',
      };
    }
    case 'long': {
      // A driver who loops around the block: enough events to continue as new more than once.
      const loops: Step[] = [];
      for (let i = 0; i < 14; i++) {
        loops.push(event('ARRIVED_TO_DESTINATION', i % 2 === 0 ? note() : undefined));
        loops.push(event(i % 5 === 4 ? 'RE_ALLOCATED' : 'GOING_TO_DESTINATION_STARTED'));
      }
      return {
        ...vtex,
        steps: [
          ...withNotes([...UP_TO_PICKUP, 'GOING_TO_DESTINATION_STARTED']),
          ...loops,
          event('DELIVERING_STARTED'),
          delivered(),
        ],
        terminal: 'event',
      };
    }
    case 'vtex-cancel-in-flight': {
      const before = UP_TO_PICKUP.slice(0, 2 + Math.floor(random() * 4));
      return {
        ...vtex,
        // The driver does not know yet: one more event after the cancel, whose note must not reach VTEX.
        steps: [
          ...withNotes(before),
          event('GOING_TO_DESTINATION_STARTED', note()),
          { do: 'cancel' },
          event('ARRIVED_TO_DESTINATION', note()),
        ],
        terminal: 'platform-cancel',
      };
    }
    case 'vtex-pause-in-flight':
      return {
        ...vtex,
        steps: [
          ...withNotes(['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED']),
          { do: 'pause' },
          ...withNotes(['ARRIVED_TO_ORIGIN', 'PICKING_FINISHED']),
          { do: 'resume' },
          ...withNotes(['CHECKED_OUT', ...TO_CLIENT]),
          delivered(),
        ],
        terminal: 'event',
      };
    case 'marketplace-happy':
      return {
        ...base,
        platform: 'marketplace',
        steps: [...withNotes([...UP_TO_PICKUP, ...TO_CLIENT]), delivered()],
        terminal: 'event',
      };
    case 'cancel-during-creation':
      // POST /jobs is slow (carried out after the caller gave up): Create answers PENDING, VTEX cancels at once.
      return { ...vtex, steps: [], terminal: 'platform-cancel', delayCreateMs: 7000, cancelRightAway: true };
    case 'cancel-behind-refused-reports':
      // VTEX refuses this delivery's reports for a while; its cancel must still reach the engine at once.
      return {
        ...vtex,
        steps: [
          ...withNotes(['CREATED', 'ALLOCATED']),
          { do: 'refuse-reports', ms: stalls.refuseReportsMs },
          event('GOING_TO_ORIGIN_STARTED', note(), true),
          event('ARRIVED_TO_ORIGIN', note(), true),
          { do: 'cancel' },
        ],
        terminal: 'platform-cancel',
      };
    case 'shared-reference':
      return { ...vtex, steps: [...withNotes([...UP_TO_PICKUP, ...TO_CLIENT]), delivered()], terminal: 'event' };
    case 'engine-refuses-create':
      return {
        ...vtex,
        steps: [...withNotes([...UP_TO_PICKUP, ...TO_CLIENT]), delivered()],
        terminal: 'event',
        refuseCreateMs: stalls.refuseCreateMs,
      };
  }
}
