/**
 * Job Tracking events as Instaleap sends them: `{id, type, created_at, job}`, the job whole as it
 * stands after the event. The job changes the way a real one would: a courier on the delivery task
 * on allocation (every `tasks[].resource` shape Instaleap's clients show), an eta when heading out,
 * proof of delivery on CLIENT_RECEIVED, a new time on RESCHEDULED. `overrides.job` is merged into the
 * job first, other overrides into the event, so tests can send what the real engine sometimes does.
 */
import { randomUUID } from 'node:crypto';
import type { JobEntry, SandboxJob, SandboxJobEvent, SandboxTask } from './jobs';

export type { SandboxJobEvent };

const MEDIA_BASE = 'https://media.delivery-engine.sandbox';
const HOUR_MS = 3_600_000;

type Courier = Exclude<SandboxTask['resource'], string | null>;

/** Couriers of the sandbox; vehicles mix VTEX's enum with the engine's own lower-case words. */
const COURIERS: ReadonlyArray<Omit<Courier, 'id'>> = [
  { name: 'Ana Souza', phone_number: '+5511990000001', vehicle: 'SCOOTER' },
  { name: 'Bruno Lima', phone_number: '+5511990000002', vehicle: 'motorcycle' },
  { name: 'Carla Mendes', phone_number: '+5511990000003', vehicle: 'CAR' },
  { name: 'Diego Rocha', phone_number: '+5511990000004', vehicle: 'bike' },
  { name: 'Elisa Prado', phone_number: '+5511990000005', vehicle: 'VAN' },
];

/** The job's nth courier (0 = first): a stable pick from the job id, the next one on each re-allocation. */
function courierFor(jobId: string, nth: number): Courier {
  const seed = [...jobId].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const index = (seed + nth) % COURIERS.length;
  return { id: `courier-${index + 1}`, ...COURIERS[index]! };
}

function deliveryTask(job: SandboxJob): SandboxTask {
  return job.tasks.find((t) => t.type === 'DELIVERY')!;
}

function driverName(job: SandboxJob): string | null {
  const r = deliveryTask(job).resource;
  return r && typeof r === 'object' ? r.name : null;
}

/** Changes the job as the event's type says (before the event is built from it). */
export function advanceJob(entry: JobEntry, type: string, now: Date): void {
  const job = entry.job;
  const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  const task = deliveryTask(job);
  switch (type) {
    case 'ALLOCATED':
    case 'RE_ALLOCATED':
      // ALLOCATED again keeps the courier; RE_ALLOCATED brings the next one (JobStore counts them).
      task.resource = courierFor(
        job.id,
        type === 'ALLOCATED' && entry.allocations > 0 ? entry.allocations - 1 : entry.allocations,
      );
      task.state = 'ASSIGNED';
      job.eta = inMinutes(45);
      break;
    case 'PICKING_STARTED':
      job.tasks[0]!.state = 'IN_PROGRESS';
      break;
    case 'PICKING_FINISHED':
      job.tasks[0]!.state = 'DONE';
      break;
    case 'GOING_TO_DESTINATION_STARTED':
      task.state = 'IN_PROGRESS';
      job.eta = inMinutes(30);
      break;
    case 'CLIENT_RECEIVED':
      task.state = 'DONE';
      job.evidences = [
        { type: 'IMAGE', content: `${MEDIA_BASE}/evidence/${job.id}/signature.jpg`, author: driverName(job) },
      ];
      break;
    case 'RESCHEDULED':
      job.start_time = new Date(Date.parse(job.start_time) + 24 * HOUR_MS).toISOString();
      job.end_time = new Date(Date.parse(job.end_time) + 24 * HOUR_MS).toISOString();
      job.eta = job.end_time;
      break;
    default:
      if (type.startsWith('TASK_RESET')) {
        // The task starts over without its courier: a RE_ALLOCATED brings the next one.
        task.resource = null;
        task.state = 'PENDING';
      }
  }
}

export function buildEvent(
  entry: JobEntry,
  type: string,
  overrides: Record<string, unknown> = {},
  now = new Date(),
): SandboxJobEvent {
  const { job: jobOverrides, ...eventOverrides } = overrides;
  const job: SandboxJob = {
    ...structuredClone(entry.job),
    ...(jobOverrides && typeof jobOverrides === 'object' ? (jobOverrides as Partial<SandboxJob>) : {}),
  };
  return { id: randomUUID(), created_at: now.toISOString(), ...eventOverrides, type, job };
}
