/**
 * Whole deliveries played in the background, one event every `stepMs`: the paths a real job takes.
 */
import type { KnownEventType } from '../../contracts/deliveryEngine';
import type { WorkTracker } from './workTracker';

const TO_PICKUP: KnownEventType[] = [
  'CREATED',
  'ALLOCATED',
  'GOING_TO_ORIGIN_STARTED',
  'ARRIVED_TO_ORIGIN',
  'PICKING_FINISHED',
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
  /** an incident on the way, a new date, then delivered */
  incident: [...TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'INCIDENT', 'RESCHEDULED', ...TO_CLIENT],
  /** cancelled before pickup */
  cancelled: ['CREATED', 'ALLOCATED', 'GOING_TO_ORIGIN_STARTED', 'CANCELLED'],
  /** refused at the door and taken back */
  returned: [...TO_PICKUP, 'GOING_TO_DESTINATION_STARTED', 'ARRIVED_TO_DESTINATION', 'REFUSED', 'RETURNED'],
  /** held after allocation, then the delivery goes on */
  'on-hold': [
    'CREATED',
    'ALLOCATED',
    'ON_HOLD',
    'GOING_TO_ORIGIN_STARTED',
    'ARRIVED_TO_ORIGIN',
    'PICKING_FINISHED',
    'CHECKED_OUT',
    ...TO_CLIENT,
  ],
} as const satisfies Record<string, readonly KnownEventType[]>;
export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as [ScenarioName, ...ScenarioName[]];

export interface PlayRequest {
  jobId: string;
  types: string[];
  stepMs: number;
}

export class ScenarioPlayer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly work: WorkTracker) {}

  /** The first event now, each next one `stepMs` later; `emit` failing ends the play. */
  play(request: PlayRequest, emit: (type: string) => void): void {
    if (this.stopped) return;
    this.work.begin();
    const step = (index: number) => {
      if (this.stopped) return;
      const type = request.types[index];
      if (type === undefined) return this.work.end();
      try {
        emit(type);
      } catch {
        return this.work.end();
      }
      if (index + 1 >= request.types.length) return this.work.end();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        step(index + 1);
      }, request.stepMs);
      this.timers.add(timer);
    };
    step(0);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
