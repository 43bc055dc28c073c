/**
 * Job Tracking events built the way the real engine fills them (docs/partners.md "Delivery Engine"): a courier on
 * allocation, an ETA and distance when heading to the client, photo evidence at pickup, rating,
 * signature and a comment on delivery, a reason when something goes wrong. Overrides win, so tests
 * can send what the real engine sometimes does (odd vehicles, missing fields, unknown types).
 */
import { randomUUID } from 'node:crypto';
import type { EngineResource, JobEvent } from '../../contracts/deliveryEngine';
import type { JobEntry } from './jobs';

/** A sandbox event: the contract's fields plus whatever an override added. */
export type SandboxJobEvent = JobEvent & Record<string, unknown>;

const MEDIA_BASE = 'https://media.delivery-engine.sandbox';

/** Couriers of the sandbox; vehicles mix VTEX's enum with the engine's own lower-case words. */
const COURIERS: ReadonlyArray<Omit<EngineResource, 'id'>> = [
  { name: 'Ana Souza', phone: '+5511990000001', identification: '39053344705', vehicle: 'SCOOTER' },
  { name: 'Bruno Lima', phone: '+5511990000002', identification: '52998224725', vehicle: 'motorcycle' },
  { name: 'Carla Mendes', phone: '+5511990000003', identification: '11144477735', vehicle: 'CAR' },
  { name: 'Diego Rocha', phone: '+5511990000004', identification: '86288366757', vehicle: 'bike' },
  { name: 'Elisa Prado', phone: '+5511990000005', identification: '74682489070', vehicle: 'VAN' },
];

const REASONS: Record<string, string> = {
  REFUSED: 'The client refused the package',
  INCIDENT: 'Address not found',
  ON_HOLD: 'The client asked to wait',
  CANCELLED: 'Cancelled by the operator',
  RETURNED: 'Package returned to the origin',
};

/** The job's nth courier (0 = first): a stable pick from the job id, the next one on each re-allocation. */
function courierFor(jobId: string, nth: number): EngineResource {
  const seed = [...jobId].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const index = (seed + nth) % COURIERS.length;
  return { id: `courier-${index + 1}`, ...COURIERS[index]! };
}

export function buildEvent(
  entry: JobEntry,
  type: string,
  overrides: Record<string, unknown> = {},
  now = new Date(),
): SandboxJobEvent {
  const job = entry.job;
  const event: SandboxJobEvent = {
    id: randomUUID(),
    type,
    created_at: now.toISOString(),
    job: { id: job.job_id, client_reference: job.client_reference },
    tracking_url: job.tracking_url,
  };
  const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

  switch (type) {
    case 'CREATED':
      event.labels = [
        {
          id: `label-${job.job_id}`,
          url: `${MEDIA_BASE}/labels/${job.job_id}.pdf`,
          name: 'Shipping label',
          type: 'PDF',
        },
      ];
      break;
    case 'ALLOCATED':
    case 'RE_ALLOCATED':
      // ALLOCATED again keeps the courier; RE_ALLOCATED brings the next one (JobStore counts them).
      event.resource = courierFor(
        job.job_id,
        type === 'ALLOCATED' && entry.allocations > 0 ? entry.allocations - 1 : entry.allocations,
      );
      event.eta = inMinutes(45);
      break;
    case 'GOING_TO_DESTINATION_STARTED':
      event.eta = inMinutes(30);
      event.distance_m = entry.distance_m;
      break;
    case 'CHECKED_OUT':
      event.evidences = [
        {
          type: 'IMAGE',
          content: `${MEDIA_BASE}/evidence/${job.job_id}/pickup.jpg`,
          author: entry.resource?.name ?? null,
        },
      ];
      break;
    case 'CLIENT_RECEIVED':
      event.rating = 5;
      event.evidences = [
        {
          type: 'IMAGE',
          content: `${MEDIA_BASE}/evidence/${job.job_id}/signature.jpg`,
          author: entry.resource?.name ?? null,
        },
      ];
      event.notes = [
        { type: 'COMMENT', note: 'Delivered to the client in person', author: entry.resource?.name ?? null },
      ];
      break;
    case 'RESCHEDULED':
      event.eta = inMinutes(24 * 60);
      break;
    default:
      break;
  }
  const reason = REASONS[type];
  if (reason) event.reason = type === 'CANCELLED' ? (job.cancel_reason ?? reason) : reason;
  // Once a courier is on the job, every event says who it is, as Instaleap's webhook does.
  if (!event.resource && entry.resource && type !== 'CREATED') event.resource = entry.resource;
  return { ...event, ...overrides, type };
}
