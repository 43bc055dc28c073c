/**
 * What a package's shipping label says (docs/labels.md), read from the delivery's input (who, from
 * where, which packages) and its state (the job's window and tracking page, canceled or not). Pure:
 * the renderers (labels/pdf.ts, labels/zpl.ts) draw it, nothing here draws or reads anything.
 */
import type { EngineAddress } from '../contracts/deliveryEngine';
import type { DeliveryInput, DeliveryStatus, JobInfo } from '../contracts/delivery';

export interface LabelParty {
  name: string;
  /** The address as printed, one line per entry. */
  lines: string[];
  phone?: string;
}

export interface PackageLabel {
  carrierName: string;
  serviceId: string;
  orderId: string;
  /** 1-based: package `number` of `count`. */
  number: number;
  count: number;
  /** The package's id at the platform (VTEX `packages[].id`, Abbiamo's volume id), when it has one. */
  packageId?: string;
  /** What the Code 128 barcode says: `packageTrackingCode(serviceId, number)`. */
  trackingCode: string;
  /** What the QR code says: the job's tracking page, once the job exists. */
  trackingUrl?: string;
  recipient: LabelParty;
  sender: LabelParty;
  /** The delivery window (ISO), the job's slot once there is one. */
  window?: { from: string; to: string };
  canceled: boolean;
}

/**
 * A package's tracking code: the delivery's serviceId (its workflow id, so a scan leads straight to
 * the delivery) and the package's number. ASCII only (serviceIds are, mapping/ids.ts), as Code 128 needs.
 */
export function packageTrackingCode(serviceId: string, number: number): string {
  return `${serviceId}-${number}`;
}

/**
 * The delivery's packages, in the order the platform listed them (mapping/vtexToJob.ts and
 * mapping/abbiamoToJob.ts keep their ids); a delivery always has at least one package.
 */
export function packagesOf(input: Pick<DeliveryInput, 'spec'>): Array<string | undefined> {
  const ids = [...new Set(input.spec.availability.packages ?? [])];
  return ids.length > 0 ? ids : [undefined];
}

function addressLines(a: EngineAddress): string[] {
  const cityLine = [a.zip_code, a.city, a.state].filter((s): s is string => Boolean(s?.trim())).join(' ');
  return [a.address, a.address_two, `${cityLine}, ${a.country}`, a.description].filter((s): s is string =>
    Boolean(s?.trim()),
  );
}

/** Where the delivery stands now: its job (once created) and its status. */
export interface LabelState {
  job?: Pick<JobInfo, 'trackingUrl' | 'startsAt' | 'endsAt'>;
  status?: DeliveryStatus;
}

/** Every package's label of a delivery. */
export function packageLabels(input: DeliveryInput, state: LabelState, carrierName: string): PackageLabel[] {
  const { origin, destination, window } = input.spec.availability;
  const recipient = input.spec.job.recipient;
  const job = state.job;
  const slot = job
    ? { from: job.startsAt, to: job.endsAt }
    : window
      ? { from: window.starts_at, to: window.ends_at }
      : undefined;
  const packages = packagesOf(input);
  return packages.map((packageId, i) => ({
    carrierName,
    serviceId: input.serviceId,
    orderId: input.orderId,
    number: i + 1,
    count: packages.length,
    ...(packageId !== undefined ? { packageId } : {}),
    trackingCode: packageTrackingCode(input.serviceId, i + 1),
    ...(job?.trackingUrl ? { trackingUrl: job.trackingUrl } : {}),
    recipient: {
      name: destination.name ?? recipient.name,
      lines: addressLines(destination),
      phone: recipient.phone_number,
    },
    sender: { name: origin.name ?? '', lines: addressLines(origin) },
    ...(slot ? { window: slot } : {}),
    canceled: state.status === 'CANCELED',
  }));
}

/**
 * The window as printed: `2026-12-07 14:00-16:00 UTC` (the end's date too when it is another day).
 * UTC, said so: the platforms give no zone we could trust for every store.
 */
export function windowText(window: { from: string; to: string }): string {
  const from = new Date(window.from).toISOString();
  const to = new Date(window.to).toISOString();
  const day = (iso: string) => iso.slice(0, 10);
  const time = (iso: string) => iso.slice(11, 16);
  return day(from) === day(to)
    ? `${day(from)} ${time(from)}-${time(to)} UTC`
    : `${day(from)} ${time(from)} - ${day(to)} ${time(to)} UTC`;
}
