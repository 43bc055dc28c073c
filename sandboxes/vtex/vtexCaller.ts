/**
 * The sandbox playing VTEX toward the carrier's intake (docs/intake-api.md): Create service,
 * Cancel service, Pause service, and the rates VTEX's checkout asks for (VTEX's OpenAPI `/rates`), with `Authorization: Bearer <intake token>` as the carrier
 * configuration would send. Bodies are sent as given, so tests can send VTEX's oddities too.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FieldError } from '../../contracts/common';
import type { Setting } from '../../contracts/vtex';
import { SandboxError } from '../common/errors';
import { postJson, type Answer } from '../common/outgoing';
import createServiceExample from '../../contracts/examples/vtex.create-service.json';
import type { ResolvedVtexOptions } from './options';
import { registerFromCreate } from './registration';
import { cancelByVtex, pauseByVtex } from './serviceRecords';
import type { ServiceStore } from './serviceStore';

export interface VtexCallResult extends Answer {
  /** the body sent */
  request: unknown;
}

export interface CreateServiceResult extends VtexCallResult {
  /** VTEX's composite id "{carrierId}&{serviceId}" when the service was registered */
  vtexServiceId: string | null;
  /** when tracking calls start finding the service (answeredAt + confirmationDelayMs) */
  confirmedAt: string | null;
  /** where the answer breaks the Create service answer of docs/intake-api.md */
  contractErrors: FieldError[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class VtexCaller {
  constructor(
    private readonly store: ServiceStore,
    private readonly options: ResolvedVtexOptions,
    private readonly logger: Logger,
  ) {}

  /** VTEX's guide's Create service example (contracts/examples/vtex.create-service.json) with a fresh orderId (and our carrierId when configured). */
  defaultCreateBody(): Record<string, unknown> {
    const body: Record<string, unknown> = structuredClone(createServiceExample);
    body.orderId = `SBX-${randomUUID().slice(0, 13)}-01`;
    if (this.options.carrierId) body.carrierId = this.options.carrierId;
    return body;
  }

  async createService(body: unknown = this.defaultCreateBody()): Promise<CreateServiceResult> {
    const answer = await this.send('/vtex/services', body);
    const { service, contractErrors } = registerFromCreate(this.store, body, answer, this.options);
    this.logger.info(
      { status: answer.status, durationMs: answer.durationMs, serviceId: service?.ourServiceId },
      'VTEX sent Create service',
    );
    return {
      ...answer,
      request: body,
      vtexServiceId: service?.record.serviceId ?? null,
      confirmedAt: service ? new Date(service.confirmedAt).toISOString() : null,
      contractErrors,
    };
  }

  /** VTEX's checkout asks for a rate: the Create service body to `/vtex/rates`; nothing is registered. */
  async requestRates(body: unknown = this.defaultCreateBody()): Promise<VtexCallResult> {
    const answer = await this.send('/vtex/rates', body);
    this.logger.info({ status: answer.status, durationMs: answer.durationMs }, 'VTEX asked for a rate');
    return { ...answer, request: body };
  }

  /** VTEX's guide's Cancel service (contracts/examples/vtex.cancel-service.json), with the carrier configuration's settings and our answer's metaData. */
  async cancelService(serviceId: string, reason: string | null, carrierId?: string): Promise<VtexCallResult> {
    const known = this.store.findByServiceId(serviceId);
    const request = { ...this.identify(serviceId, carrierId), reason, ...this.context(serviceId) };
    const answer = await this.send('/vtex/services/cancel', request);
    if (known && answer.status === 200) cancelByVtex(known.record, reason, answer.answeredAt);
    this.logger.info({ serviceId, status: answer.status }, 'VTEX sent Cancel service');
    return { ...answer, request };
  }

  async pauseService(
    serviceId: string,
    pause: boolean,
    reason: string | null,
    carrierId?: string,
  ): Promise<VtexCallResult> {
    const known = this.store.findByServiceId(serviceId);
    const request = { ...this.identify(serviceId, carrierId), pause, reason, ...this.context(serviceId) };
    const answer = await this.send('/vtex/services/pause', request);
    if (known && answer.status === 200) {
      if (pause && known.record.status !== 'ON_HOLD') known.statusBeforePause = known.record.status;
      pauseByVtex(known.record, pause, known.statusBeforePause ?? known.record.status, reason, answer.answeredAt);
      if (!pause) known.statusBeforePause = null;
    }
    this.logger.info({ serviceId, pause, status: answer.status }, 'VTEX sent Pause service');
    return { ...answer, request };
  }

  private identify(serviceId: string, carrierId?: string): { serviceId: string; carrierId: string } {
    const known = this.store.findByServiceId(serviceId);
    return {
      serviceId: known?.ourServiceId ?? serviceId,
      carrierId: carrierId ?? known?.carrierId ?? this.options.carrierId ?? createServiceExample.carrierId,
    };
  }

  /** `settings` of the carrier configuration (the Create service body's) and `metaData` of our answer. */
  private context(serviceId: string): { settings: Setting[] | null; metaData: Record<string, unknown> | null } {
    const known = this.store.findByServiceId(serviceId);
    const settings = (known?.createRequest as { settings?: Setting[] } | null)?.settings ?? null;
    const metaData = (known?.createAnswer as { metaData?: Record<string, unknown> } | null)?.metaData ?? null;
    return { settings, metaData };
  }

  private async send(path: string, body: unknown): Promise<Answer> {
    const intake = this.options.intake;
    if (!intake) throw new SandboxError(409, 'No intake configured: start the VTEX sandbox with intake {url, token}');
    return postJson(`${intake.url.replace(/\/+$/, '')}${path}`, body, {
      headers: { authorization: `Bearer ${intake.token}` },
      timeoutMs: intake.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }
}
