/**
 * The sandbox playing Abbiamo toward our intake: DELIVERY_REQUEST (the repo's example, with fresh ids and
 * fresh `logistic_data.headers`) and CANCELLATION_REQUEST (the seller's, or the confirmation timeout's).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SandboxError } from '../common/errors';
import { postJson, type Answer } from '../common/outgoing';
import deliveryRequestExample from '../../contracts/examples/abbiamo.delivery-request.json';
import type { SandboxDelivery } from './deliveries';
import type { AbbiamoSandboxOptions } from './options';

export interface DeliveryRequestResult extends Answer {
  /** the event sent */
  event: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class AbbiamoCaller {
  constructor(
    private readonly options: AbbiamoSandboxOptions,
    private readonly logger: Logger,
  ) {}

  /** Abbiamo's first DELIVERY_REQUEST example (contracts/examples/abbiamo.delivery-request.json) with unique delivery_id / order_number and a fresh Bearer header. */
  defaultEvent(): Record<string, unknown> {
    const event = structuredClone(deliveryRequestExample) as Record<string, unknown> & typeof deliveryRequestExample;
    const suffix = randomUUID().slice(0, 8);
    event.deliveries = event.deliveries.map((delivery, i) => ({
      ...delivery,
      delivery_id: randomUUID(),
      order_number: `SBX-${suffix}-${i + 1}`,
    }));
    event.logistic_data = { headers: { Authorization: `Bearer ${randomBytes(18).toString('base64url')}` } };
    return event;
  }

  private intake() {
    const intake = this.options.intake;
    if (!intake)
      throw new SandboxError(409, 'No intake configured: start the Abbiamo sandbox with intake {url, token}');
    return intake;
  }

  async send(event: unknown): Promise<Answer> {
    const intake = this.intake();
    const answer = await postJson(`${intake.url.replace(/\/+$/, '')}/marketplace/events`, event, {
      headers: { authorization: `Bearer ${intake.token}` },
      timeoutMs: intake.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const type = (event as { event_type?: unknown } | null)?.event_type;
    this.logger.info({ type, status: answer.status, durationMs: answer.durationMs }, 'Abbiamo sent an event');
    return answer;
  }

  /** Abbiamo's CANCELLATION_REQUEST for one delivery. */
  cancellationRequest(delivery: SandboxDelivery, subStatus: 'SELLER_CANCELED' | 'CARRIER_TIMEOUT', now: number) {
    return {
      event_type: 'CANCELLATION_REQUEST',
      delivery_id: delivery.deliveryId,
      order_number: delivery.orderNumber,
      tracking: delivery.tracking,
      seller_id: delivery.seller.id,
      seller_name: delivery.seller.name,
      seller_document_number: delivery.seller.documentNumber,
      seller_group_id: delivery.seller.groupId,
      status: 'ORDER_FAILED',
      sub_status: subStatus,
      timestamp: now,
      event_at: new Date(now).toISOString(),
      support_id: randomUUID(),
    };
  }
}
