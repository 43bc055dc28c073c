/** What a VTEX Pick and Pack sandbox can be asked to be, with the seed's values as defaults. */
import type { Logger } from 'pino';
import type { PartialFaultSettings } from '../common/faults';

export interface VtexSandboxOptions {
  /** the only apiKey POST /token accepts */
  apiKey: string;
  /** life of an issued JWT; VTEX's guide's example token has exp - iat = 900 */
  tokenTtlSeconds?: number;
  /** how an expired token is refused: VTEX's guide says 401; VTEX's OpenAPI answers 403 {message, requestId} */
  expiredTokenStatus?: 401 | 403;
  /** POST /token answers VTEX's guide's `{message, data: jwt}` ('object') or a bare JSON string (VTEX's OpenAPI) */
  tokenResponseShape?: 'object' | 'string';
  /** VTEX's guide: "a 5 seconds timeout before the service creation is confirmed" */
  confirmationDelayMs?: number;
  /** a tracking call for a service VTEX never created: registered on the spot, or 404 */
  unknownServices?: 'register' | 'reject';
  /** where this sandbox, playing VTEX, sends Create / Cancel / Pause service */
  intake?: { url: string; token: string; timeoutMs?: number };
  faults?: PartialFaultSettings;
  /**
   * fields of the service record that Get service leaves out of its answer (VTEX's OpenAPI lists
   * them; a partner's answer is data, not a promise): the carrier's read-backs meet other shapes
   */
  getServiceOmits?: GetServiceField[];
  /** `carrierName` of the service records */
  carrierName?: string;
  /** carrierId put in the default Create service body (default: the seed example's) */
  carrierId?: string;
  logger?: Logger;
}

/** What Get service may be told to leave out. */
export const GET_SERVICE_FIELDS = ['status', 'timeline', 'notes', 'evidences', 'labels'] as const;
export type GetServiceField = (typeof GET_SERVICE_FIELDS)[number];

export type ResolvedVtexOptions = Required<Omit<VtexSandboxOptions, 'intake' | 'faults' | 'carrierId' | 'logger'>> &
  Pick<VtexSandboxOptions, 'intake' | 'faults' | 'carrierId' | 'logger'>;

export function resolveVtexOptions(options: VtexSandboxOptions): ResolvedVtexOptions {
  if (!options.apiKey) throw new Error('VTEX sandbox: apiKey is required');
  return {
    tokenTtlSeconds: 900,
    expiredTokenStatus: 401,
    tokenResponseShape: 'object',
    confirmationDelayMs: 5000,
    unknownServices: 'register',
    carrierName: 'Sandbox Carrier',
    getServiceOmits: [],
    ...withoutUndefined(options),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
