/**
 * Whole deliveries played in the background, one Instaleap event every `stepMs`: the paths a real
 * job takes after its CREATED (which the engine sends itself when the job is made).
 */
import type { KnownEventType } from '../../contracts/jobEventTypes';
import type { WorkTracker } from './workTracker';

const TO_PICKUP: KnownEventType[] = [
  'ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_STARTED',
  'PICKING_FINISHED',
  'CHECKING_OUT_STARTED',
  'CHECKED_OUT',
];
const TO_CLIENT: KnownEventType[] = [
  'GOING_TO_DESTINATION_STARTED',
  'ARRIVED_TO_DESTINATION',
  'DELIVERING_STARTED',
  'CLIENT_RECEIVED',
];

export const SCENARIOS = {
  happy: [...TO_PICKUP, ...TO_CLIENT],
  /** a new date on the way, then delivered */
  rescheduled: [...TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'RESCHEDULED', ...TO_CLIENT],
  /** the courier gives the delivery task back; another one takes it and delivers */
  'task-reset': [
    'ALLOCATED',
    'GOING_TO_ORIGIN_STARTED',
    'TASK_RESET_DELIVERY',
    'RE_ALLOCATED',
    'GOING_TO_ORIGIN_STARTED',
    'ARRIVED_TO_ORIGIN',
    'PICKING_FINISHED',
    'CHECKED_OUT',
    ...TO_CLIENT,
  ],
  /** cancelled before pickup */
  cancelled: ['ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'CANCELLED'],
  /** refused at the door: the carrier's staff decide what follows (an operator's force-status) */
  refused: [...TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'ARRIVED_TO_DESTINATION', 'REFUSED'],
} as const satisfies Record<string, readonly KnownEventType[]>;
export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as [ScenarioName, ...ScenarioName[]];

export interface PlayRequest {
  jobId: string;
  types: string[];
  stepMs: number;
}

/** What emitting a step did: sent, or held back (the job is held in the store) to be tried again. */
export type StepOutcome = 'sent' | 'wait';

export class ScenarioPlayer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly work: WorkTracker) {}

  /** The first event now, each next one `stepMs` later; a held step is tried again; `emit` failing ends the play. */
  play(request: PlayRequest, emit: (type: string) => StepOutcome): void {
    if (this.stopped) return;
    this.work.begin();
    const later = (index: number) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        step(index);
      }, request.stepMs);
      this.timers.add(timer);
    };
    const step = (index: number) => {
      if (this.stopped) return;
      const type = request.types[index];
      if (type === undefined) return this.work.end();
      let outcome: StepOutcome;
      try {
        outcome = emit(type);
      } catch {
        return this.work.end();
      }
      if (outcome === 'wait') return later(index);
      if (index + 1 >= request.types.length) return this.work.end();
      later(index + 1);
    };
    step(0);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
