/**
 * The services this VTEX sandbox knows, keyed by (carrierId, the carrier's serviceId), with when
 * each becomes usable: VTEX's guide confirms a creation 5 s after the carrier answered it.
 */
import type { ServiceRecord, ServiceStatus } from '../../contracts/vtex';

export type RegisteredBy = 'create-service' | 'tracking-call' | 'admin';

export interface StoredService {
  record: ServiceRecord;
  carrierId: string;
  /** the id the carrier answered (the part after "&" in `record.serviceId`) */
  ourServiceId: string;
  registeredBy: RegisteredBy;
  /** the Create service body VTEX sent, when VTEX (this sandbox) created it */
  createRequest: unknown;
  /** the carrier's answer to it */
  createAnswer: unknown;
  /** epoch ms the carrier's Create service answer arrived (registration time otherwise) */
  answeredAt: number;
  /** epoch ms from which tracking calls find the service */
  confirmedAt: number;
  /** the status to come back to when VTEX resumes a paused service */
  statusBeforePause: ServiceStatus | null;
}

export interface ServiceSummary {
  carrierId: string;
  serviceId: string;
  orderId: string;
  status: ServiceStatus;
  registeredBy: RegisteredBy;
  answeredAt: string;
  confirmedAt: string;
}

export class ServiceStore {
  private readonly services = new Map<string, StoredService>();

  add(service: StoredService): StoredService {
    this.services.set(key(service.carrierId, service.ourServiceId), service);
    return service;
  }

  /** Accepts the carrier's serviceId or VTEX's composite "{carrierId}&{serviceId}". */
  find(carrierId: string, serviceId: string): StoredService | undefined {
    return this.services.get(key(carrierId, ownPart(carrierId, serviceId)));
  }

  /** VTEX's Cancel / Pause service name a service by the carrier's id only. */
  findByServiceId(serviceId: string): StoredService | undefined {
    for (const s of this.services.values())
      if (s.ourServiceId === serviceId || s.record.serviceId === serviceId) return s;
    return undefined;
  }

  isConfirmed(service: StoredService, now = Date.now()): boolean {
    return now >= service.confirmedAt;
  }

  list(): ServiceSummary[] {
    return [...this.services.values()].map((s) => ({
      carrierId: s.carrierId,
      serviceId: s.ourServiceId,
      orderId: s.record.orderId,
      status: s.record.status,
      registeredBy: s.registeredBy,
      answeredAt: new Date(s.answeredAt).toISOString(),
      confirmedAt: new Date(s.confirmedAt).toISOString(),
    }));
  }
}

export function ownPart(carrierId: string, serviceId: string): string {
  const prefix = `${carrierId}&`;
  return serviceId.startsWith(prefix) ? serviceId.slice(prefix.length) : serviceId;
}

function key(carrierId: string, serviceId: string): string {
  return `${carrierId}\u0000${serviceId}`;
}
