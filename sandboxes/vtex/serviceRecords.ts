/**
 * A service as VTEX keeps it (VTEX's guide "Get service"), and how each tracking hook call changes it:
 * fields, then a timeline entry shaped like the seed's (descriptions, authors, `metaData`).
 * Permissive on status order on purpose: ordering is the service under test's job; this records it.
 */
import { randomUUID } from 'node:crypto';
import {
  type ServiceStatus,
  type CancelHookRequest,
  type Evidence,
  type Label,
  type Note,
  type OnHoldHookRequest,
  type ServiceRecord,
  type TimelineEntry,
  type TrackingUpdate,
} from '../../contracts/vtex';

type TimelineType = TimelineEntry['type'];
type ServiceType = ServiceRecord['type'];

/** The timeline descriptions of VTEX's Get service example (contracts/examples/vtex.get-service.json) where it shows them; ours for the statuses it does not. */
export const STATUS_DESCRIPTIONS: Record<ServiceStatus, string> = {
  CREATED: 'Service creation',
  PENDING: 'Service pending',
  ASSIGNED: 'Assigned courier',
  PICKED: 'Courier picked the package',
  ON_ROUTE: 'Courier on route',
  INCIDENT: 'Service with incident',
  RETURNED: 'The package was returned',
  DELIVERED: 'The package was delivered',
  CANCELED: 'Service canceled',
  ON_HOLD: 'Service on hold',
};

const FINISHED: ReadonlySet<ServiceStatus> = new Set(['DELIVERED', 'RETURNED', 'CANCELED']);

function entry(
  type: TimelineType,
  date: string,
  description: string,
  author: string | null,
  metaData: unknown,
): TimelineEntry {
  return { id: randomUUID(), type, date, createdAt: date, updatedAt: date, description, author, metaData };
}

/** `{"0": {...}, "1": {...}}`: how the seed's timeline shows a list in `metaData`. */
function indexed<T>(items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((item, i) => [String(i), item]));
}

function setStatus(record: ServiceRecord, status: ServiceStatus, at: string): void {
  record.status = status;
  if (FINISHED.has(status)) record.shippingFinishedDate ??= at;
}

export interface CreatedFrom {
  orderId: string;
  carrierId: string;
  ourServiceId: string;
  carrierName: string;
  seller?: string;
  type?: ServiceType;
  comments?: string | null;
  paymentMethod?: string | null;
  carrierServiceType?: string | null;
  packages?: unknown[];
  timezone?: ServiceRecord['timezone'];
  status?: ServiceStatus;
  shippingPrice?: number | null;
  shippingEstimatedDate?: string | null;
  metaData?: unknown;
  labels?: Label[];
  createdAt: string;
}

export function newServiceRecord(from: CreatedFrom): ServiceRecord {
  const status = from.status ?? 'PENDING';
  const at = from.createdAt;
  return {
    id: randomUUID(),
    orderId: from.orderId,
    carrierId: from.carrierId,
    serviceId: `${from.carrierId}&${from.ourServiceId}`,
    carrierLogo: null,
    carrierName: from.carrierName,
    seller: from.seller ?? '',
    status,
    labels: from.labels ?? [],
    trackingUrl: null,
    comments: from.comments ?? null,
    evidences: [],
    packages: from.packages ?? [],
    timeline: [
      entry('STATUS', at, STATUS_DESCRIPTIONS.CREATED, 'System', null),
      entry('STATUS', at, STATUS_DESCRIPTIONS[status], 'System', {
        shippingEstimatedDate: from.shippingEstimatedDate ?? null,
        metaData: from.metaData ?? null,
        serviceId: from.ourServiceId,
        shippingPrice: from.shippingPrice ?? null,
        status,
      }),
    ],
    type: from.type ?? 'DELIVERY',
    notes: [],
    paymentMethod: from.paymentMethod ?? null,
    carrierServiceType: from.carrierServiceType ?? null,
    shippingPrice: from.shippingPrice ?? null,
    shippingEstimatedDate: from.shippingEstimatedDate ?? null,
    shippingFinishedDate: null,
    metaData: from.metaData ?? null,
    timezone: from.timezone ?? null,
    tags: [],
    agent: null,
    totalDistanceTraveled: null,
    rating: null,
  };
}

/** PATCH /tracking/hook: every field given replaces the record's; always one STATUS entry. */
export function applyUpdate(record: ServiceRecord, update: TrackingUpdate, at: string): void {
  if (update.agent !== undefined) record.agent = update.agent;
  if (update.trackingUrl !== undefined) record.trackingUrl = update.trackingUrl;
  if (update.totalDistanceTraveled !== undefined) record.totalDistanceTraveled = update.totalDistanceTraveled;
  if (update.rating !== undefined) record.rating = update.rating;
  if (update.shippingPrice !== undefined) record.shippingPrice = update.shippingPrice;
  if (update.shippingEstimatedDate !== undefined) record.shippingEstimatedDate = update.shippingEstimatedDate;
  if (update.status !== undefined) setStatus(record, update.status, at);
  const description = update.status !== undefined ? STATUS_DESCRIPTIONS[update.status] : 'Service updated';
  record.timeline.push(
    entry('STATUS', at, description, 'System', {
      rating: record.rating ?? null,
      totalDistanceTraveled: record.totalDistanceTraveled ?? null,
      trackingUrl: record.trackingUrl,
      status: record.status,
    }),
  );
}

export function addNotes(record: ServiceRecord, notes: Note[], at: string): void {
  for (const n of notes) record.notes.push({ type: n.type, date: at, content: n.note, author: n.author ?? null });
  record.timeline.push(
    entry(
      'NOTE',
      at,
      'A new note has been added',
      notes[0]?.author ?? null,
      indexed(notes.map((n) => ({ type: n.type, note: n.note, author: n.author ?? null }))),
    ),
  );
}

export function addEvidences(record: ServiceRecord, evidences: Evidence[], at: string): void {
  for (const e of evidences)
    record.evidences.push({ type: e.type, content: e.content, date: at, author: e.author ?? null });
  record.timeline.push(
    entry(
      'EVIDENCE',
      at,
      'Added evidence',
      evidences[0]?.author ?? null,
      indexed(evidences.map((e) => ({ type: e.type, content: e.content, author: e.author ?? null }))),
    ),
  );
}

export function addLabel(record: ServiceRecord, label: Label, at: string): void {
  record.labels.push(label);
  record.timeline.push(entry('LABEL', at, 'Added label', 'System', indexed([label])));
}

/** POST /tracking/hook/cancel: the carrier cancels; its type and comment stay in the timeline. */
export function cancelByCarrier(record: ServiceRecord, body: CancelHookRequest, at: string): void {
  setStatus(record, 'CANCELED', at);
  record.timeline.push(
    entry('STATUS', at, STATUS_DESCRIPTIONS.CANCELED, 'System', {
      status: 'CANCELED',
      type: body.type,
      comment: body.comment ?? null,
    }),
  );
}

/** POST /tracking/hook/on-hold: the carrier pauses the service. */
export function holdByCarrier(record: ServiceRecord, body: OnHoldHookRequest, at: string): void {
  setStatus(record, 'ON_HOLD', at);
  record.timeline.push(
    entry('STATUS', at, STATUS_DESCRIPTIONS.ON_HOLD, 'System', {
      status: 'ON_HOLD',
      type: body.type,
      comment: body.comment ?? null,
    }),
  );
}

/** VTEX's own Cancel service, once the carrier accepted it. */
export function cancelByVtex(record: ServiceRecord, reason: string | null, at: string): void {
  setStatus(record, 'CANCELED', at);
  record.timeline.push(entry('STATUS', at, 'Service canceled by VTEX', 'VTEX', { status: 'CANCELED', reason }));
}

/** VTEX's own Pause service: pause puts the service on hold, resume restores `resumeTo`. */
export function pauseByVtex(
  record: ServiceRecord,
  pause: boolean,
  resumeTo: ServiceStatus,
  reason: string | null,
  at: string,
): void {
  setStatus(record, pause ? 'ON_HOLD' : resumeTo, at);
  record.timeline.push(
    entry('STATUS', at, pause ? 'Service paused by VTEX' : 'Service resumed by VTEX', 'VTEX', {
      status: record.status,
      pause,
      reason,
    }),
  );
}
