/**
 * Every choice Instaleap's published material leaves to us, in one place (docs/partners.md
 * "Unconfirmed Instaleap choices" lists them): when the carrier's Instaleap contact confirms or
 * corrects one, it changes here. Pure and free of imports: the workflow bundle reads the job with it.
 */

/** The cancel call (Instaleap documents the CANCELLED event, not the call). */
export const cancelPath = (jobId: string): string => `/jobs/${encodeURIComponent(jobId)}/cancel`;

/**
 * The recipient's change on a live job: Instaleap publishes no call that changes a job's recipient
 * or destination, so the path, the method (PUT) and the body (`RecipientUpdateRequest` of
 * contracts/deliveryEngine.ts: only what changed) are ours until Instaleap confirms them.
 */
export const recipientPath = (jobId: string): string => `/jobs/${encodeURIComponent(jobId)}/recipient`;

/** The slot hold's extension (the page names it; the path's spelling is ours). */
export const extendSlotPath = (slotId: string): string => `/jobs/${encodeURIComponent(slotId)}/extend_expiration_time`;

/** The slot check's answer (documented as "whether the slot is still valid"; the body's shape is ours). */
export interface SlotCheckShape {
  valid: boolean;
  expires_at?: string | null;
}

/**
 * The status of an expired or invalid slot at POST /jobs: 417 (seed 000 names it for an expired
 * slot); 404 and 409 (unknown, taken) are read the same way. Used by the sandbox; the bridge reads
 * it through activities/failures.ts (SlotExpired) and contracts/failures.ts (SLOT_UNUSABLE).
 */
export const SLOT_EXPIRED_STATUS = 417;

/** The longest availability window Instaleap takes (its clients: 7 days). */
export const SEARCH_WINDOW_MAX_MS = 7 * 86_400_000;

/**
 * Job `state`s in which no driver works on the job any more (the values are unpublished): a stray job
 * found in one of them is not canceled.
 */
export const ENDED_JOB_STATES: readonly string[] = ['CANCELLED', 'CLIENT_RECEIVED', 'FINISHED', 'DELIVERED', 'FAILED'];

/** The driver as the bridge uses it. */
export interface Driver {
  id: string;
  name?: string;
  phone?: string;
  vehicle?: string;
}

/** Proof of delivery as the bridge uses it. */
export interface Evidence {
  type: 'IMAGE' | 'TEXT';
  content: string;
  author?: string;
}

/** The job fields the readers below look at (the rest of the job is published). */
export interface JobLike {
  tasks?: ReadonlyArray<{ type?: string | null; resource?: unknown }> | null;
  delivery_code?: unknown;
  tracking_url?: unknown;
  eta?: unknown;
  evidences?: unknown;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * The driver: the `resource` of the job's last task that has one (a delivery task follows the
 * picking task), either a bare id or `{id, name, phone_number, vehicle}`.
 */
export function driverOf(job: JobLike): Driver | undefined {
  const tasks = job.tasks ?? [];
  for (let i = tasks.length - 1; i >= 0; i -= 1) {
    const resource = tasks[i]?.resource;
    const bare = text(resource);
    if (bare) return { id: bare };
    if (resource && typeof resource === 'object') {
      const r = resource as Record<string, unknown>;
      const id = text(r.id) ?? (typeof r.id === 'number' ? String(r.id) : undefined);
      if (!id) continue;
      const name = text(r.name);
      const phone = text(r.phone_number) ?? text(r.phone);
      const vehicle = text(r.vehicle) ?? text((r.vehicle as { type?: unknown } | undefined)?.type);
      return { id, ...(name ? { name } : {}), ...(phone ? { phone } : {}), ...(vehicle ? { vehicle } : {}) };
    }
  }
  return undefined;
}

/** A place in decimal degrees. */
export interface Position {
  latitude: number;
  longitude: number;
}

/**
 * The driver's last known position (unpublished: Instaleap documents the task's `resource`, not
 * where it is): `resource.location {latitude, longitude}`, else `resource.latitude/longitude`, of
 * the job's last task with a resource; only a pair in range, never the (0, 0) of an empty fix.
 */
export function driverPositionOf(job: JobLike): Position | undefined {
  const tasks = job.tasks ?? [];
  for (let i = tasks.length - 1; i >= 0; i -= 1) {
    const resource = tasks[i]?.resource;
    if (!resource || typeof resource !== 'object') continue;
    const r = resource as Record<string, unknown>;
    const at = (r.location && typeof r.location === 'object' ? r.location : r) as Record<string, unknown>;
    const { latitude, longitude } = at;
    if (typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
    const inRange = Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
    return inRange && !(latitude === 0 && longitude === 0) ? { latitude, longitude } : undefined;
  }
  return undefined;
}

/** The delivery PIN, `job.delivery_code`, when the job carries one. */
export const deliveryCodeOf = (job: JobLike): string | undefined => text(job.delivery_code);

/** The customer's tracking page, `job.tracking_url`. */
export const trackingUrlOf = (job: JobLike): string | undefined => text(job.tracking_url);

/** The expected arrival, `job.eta` (ISO), when it reads as a date. */
export function etaOf(job: JobLike): string | undefined {
  const eta = text(job.eta);
  return eta && Number.isFinite(Date.parse(eta)) ? new Date(eta).toISOString() : undefined;
}

/** Proof of delivery: `job.evidences: [{type, content, author}]`, the well-formed ones. */
export function evidencesOf(job: JobLike): Evidence[] {
  if (!Array.isArray(job.evidences)) return [];
  return job.evidences.flatMap((e: unknown) => {
    if (!e || typeof e !== 'object') return [];
    const { type, content, author } = e as Record<string, unknown>;
    const body = text(content);
    if (!body) return [];
    const kind = type === 'TEXT' ? 'TEXT' : 'IMAGE';
    const by = text(author);
    return [{ type: kind, content: body, ...(by ? { author: by } : {}) } as Evidence];
  });
}
