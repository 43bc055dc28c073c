/**
 * What of an engine event goes into the delivery's workflow: the fields the workflow reads
 * (contracts/instaleapChoices.ts), each bounded. The webhook takes a body up to BODY_LIMIT (1 MB):
 * a job's tasks, texts and proofs are not bounded by Instaleap, and every signal stays in the
 * history and may wait in the inbox a continue-as-new carries. A delivery whose history holds a few
 * such events stops at its next workflow task ("received message larger than max": the chaos run's
 * largest events). Trimmed here, an event is at most about 25 KB whatever its job carries.
 *
 * What the delivery would have used and that is left out (an evidence past the count, a text past
 * its length) is named in `trimmed`: the workflow flags it, nothing is dropped silently.
 */
import { createHash } from 'node:crypto';
import type { EventJob, JobEvent } from '../contracts/deliveryEngine';
import type { WorkflowJobEvent } from '../contracts/delivery';

export const EVENT_BOUNDS = {
  /** an event id or job id longer than this is carried as a digest (ids are compared, never shown whole) */
  idChars: 200,
  /** the event type, the job state and the times */
  wordChars: 64,
  /** the driver's fields, the PIN, the eta, an evidence's author */
  fieldChars: 256,
  /** the tracking page */
  urlChars: 2048,
  /** proofs of delivery, and the length of each one's content (a link, or a short text) */
  evidences: 10,
  evidenceChars: 2048,
} as const;

/** The event as the delivery's workflow receives it. */
export function eventForWorkflow(event: JobEvent): WorkflowJobEvent {
  const trimmed: string[] = [];
  const job = event.job;
  const out: WorkflowJobEvent = {
    id: boundedId(event.id),
    type: word(event.type, 'type', trimmed)!,
    created_at: event.created_at,
    job: {
      id: boundedId(job.id),
      client_reference: job.client_reference,
      ...optional('state', word(job.state, 'job.state', trimmed)),
      ...optional('start_time', job.start_time),
      ...optional('end_time', job.end_time),
      tasks: tasksRead(job.tasks ?? [], trimmed),
      ...optional('delivery_code', text(job.delivery_code, EVENT_BOUNDS.fieldChars, 'job.delivery_code', trimmed)),
      ...optional('tracking_url', text(job.tracking_url, EVENT_BOUNDS.urlChars, 'job.tracking_url', trimmed)),
      ...optional('eta', text(job.eta, EVENT_BOUNDS.fieldChars, 'job.eta', trimmed)),
      ...optional('evidences', evidences(job.evidences, trimmed)),
    },
  };
  return trimmed.length > 0 ? { ...out, trimmed } : out;
}

function optional<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

function boundedId(id: string): string {
  if (id.length <= EVENT_BOUNDS.idChars) return id;
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** A word (type, state): over the bound it is cut and named (no type or state that long is known). */
function word(value: string | null | undefined, path: string, trimmed: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length <= EVENT_BOUNDS.wordChars) return value;
  trimmed.push(`${path} cut to ${EVENT_BOUNDS.wordChars} characters`);
  return value.slice(0, EVENT_BOUNDS.wordChars);
}

/** A text the workflow reads as a string: kept whole, or left out and named when over `max`. */
function text(value: unknown, max: number, path: string, trimmed: string[]): unknown {
  if (typeof value !== 'string') return value === undefined ? undefined : scalarOrNothing(value);
  if (value.length <= max) return value;
  trimmed.push(`${path} (${value.length} characters, at most ${max})`);
  return undefined;
}

/** A non-string where a string is read: the readers ignore it; an object or list is not carried. */
const scalarOrNothing = (value: unknown) => (value !== null && typeof value === 'object' ? undefined : value);

/**
 * The tasks the readers look at: the last one whose resource names a driver (a bare id or an
 * object with an id) and the last one whose resource is an object (where the driver's position is
 * read), in their order, each reduced to its id, type and the resource's fields read
 * (contracts/instaleapChoices.ts `driverOf`, `driverPositionOf`). Reading these two gives what
 * reading every task gives.
 */
function tasksRead(tasks: EventJob['tasks'] & object, trimmed: string[]): NonNullable<EventJob['tasks']> {
  let driverAt = -1;
  let objectAt = -1;
  for (let i = tasks.length - 1; i >= 0 && (driverAt < 0 || objectAt < 0); i -= 1) {
    const resource = tasks[i]?.resource;
    const isObject = resource !== null && typeof resource === 'object';
    if (objectAt < 0 && isObject) objectAt = i;
    const id = isObject ? (resource as Record<string, unknown>).id : resource;
    if (driverAt < 0 && ((typeof id === 'string' && id.trim() !== '') || (isObject && typeof id === 'number')))
      driverAt = i;
  }
  return [...new Set([driverAt, objectAt])]
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)
    .map((i) => {
      const task = tasks[i]!;
      return {
        id: boundedId(task.id),
        ...optional('type', word(task.type, `job.tasks[${i}].type`, trimmed)),
        resource: resourceRead(task.resource, `job.tasks[${i}].resource`, trimmed),
      };
    });
}

const RESOURCE_TEXTS = ['name', 'phone_number', 'phone'] as const;

function resourceRead(resource: unknown, path: string, trimmed: string[]): unknown {
  if (typeof resource === 'string') return text(resource, EVENT_BOUNDS.fieldChars, path, trimmed);
  if (resource === null || typeof resource !== 'object') return resource;
  const r = resource as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof r.id === 'number') out.id = r.id;
  else if (r.id !== undefined) out.id = text(r.id, EVENT_BOUNDS.fieldChars, `${path}.id`, trimmed);
  for (const key of RESOURCE_TEXTS)
    if (r[key] !== undefined) out[key] = text(r[key], EVENT_BOUNDS.fieldChars, `${path}.${key}`, trimmed);
  if (typeof r.vehicle === 'string') out.vehicle = text(r.vehicle, EVENT_BOUNDS.fieldChars, `${path}.vehicle`, trimmed);
  else if (r.vehicle && typeof r.vehicle === 'object') {
    const type = (r.vehicle as { type?: unknown }).type;
    out.vehicle = { type: text(type, EVENT_BOUNDS.fieldChars, `${path}.vehicle.type`, trimmed) };
  }
  const position = (at: unknown) => {
    const p = at as Record<string, unknown>;
    return { latitude: scalarOrNothing(p.latitude), longitude: scalarOrNothing(p.longitude) };
  };
  if (r.location && typeof r.location === 'object') out.location = position(r.location);
  else Object.assign(out, position(r));
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** Proofs of delivery: the first EVENT_BOUNDS.evidences, each with its content and author within bounds. */
function evidences(value: unknown, trimmed: string[]): unknown {
  if (!Array.isArray(value)) return scalarOrNothing(value);
  const kept: unknown[] = [];
  value.forEach((e: unknown, i) => {
    if (!e || typeof e !== 'object') return;
    const { type, content, author } = e as Record<string, unknown>;
    const path = `job.evidences[${i}]`;
    if (kept.length >= EVENT_BOUNDS.evidences) {
      trimmed.push(`${path} (past the first ${EVENT_BOUNDS.evidences})`);
      return;
    }
    const body = text(content, EVENT_BOUNDS.evidenceChars, `${path}.content`, trimmed);
    if (body === undefined) return;
    kept.push({
      type: text(type, EVENT_BOUNDS.wordChars, `${path}.type`, trimmed),
      content: body,
      ...optional('author', text(author, EVENT_BOUNDS.fieldChars, `${path}.author`, trimmed)),
    });
  });
  return kept;
}
