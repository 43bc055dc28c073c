/** What a test in the same process can do with a VTEX sandbox: the admin API's powers, typed. */
import type { ServiceRecord, ServiceStatus } from '../../contracts/vtex';
import type { SandboxControls } from '../common/controls';
import type { GetServiceField } from './options';
import type { RegisterServiceInput } from './registration';
import type { ServiceSummary } from './serviceStore';
import type { CreateServiceResult, VtexCallResult } from './vtexCaller';

export interface VtexSandboxHandle extends SandboxControls {
  /** VTEX sends Create service to the intake; default body: VTEX's guide's example, fresh orderId */
  createService(body?: unknown): Promise<CreateServiceResult>;
  /** VTEX asks the carrier's rates endpoint, as its checkout does (default body as createService's) */
  requestRates(body?: unknown): Promise<VtexCallResult>;
  /** VTEX sends Cancel service for the carrier's serviceId */
  cancelService(serviceId: string, reason: string | null, carrierId?: string): Promise<VtexCallResult>;
  /** VTEX sends Pause service (pause true) or resumes it (false) */
  pauseService(serviceId: string, pause: boolean, reason: string | null, carrierId?: string): Promise<VtexCallResult>;
  /** the record as GET /tracking/hook would show it (carrier's serviceId or the composite) */
  service(carrierId: string, serviceId: string): ServiceRecord | undefined;
  services(): ServiceSummary[];
  /**
   * changes what VTEX holds behind the carrier's back (drift repair's tests): a status set back,
   * the last notes or evidences deleted, the driver removed; returns the record after the change
   */
  amendService(carrierId: string, serviceId: string, change: ServiceAmendment): ServiceRecord | undefined;
  registerService(input: RegisterServiceInput): ServiceRecord;
  /** a valid JWT, as POST /token would give */
  issueToken(): Promise<string>;
  /** makes every token issued so far expired now; returns how many */
  expireTokens(): number;
  /** Get service answers without these fields from now on ([]: the whole record again) */
  setGetServiceOmits(fields: GetServiceField[]): void;
  /** lets the run change how expired tokens are refused */
  setExpiredTokenStatus(status: 401 | 403): void;
  /** where VTEX's calls go, for a service that starts after its sandbox */
  setIntake(intake: { url: string; token: string; timeoutMs?: number }): void;
}

/** What `amendService` may change. */
export interface ServiceAmendment {
  status?: ServiceStatus;
  /** how many of the last notes to delete */
  dropNotes?: number;
  /** how many of the last evidences to delete */
  dropEvidences?: number;
  /** null removes the driver */
  agent?: null;
}
