/**
 * The sandbox playing the marketplace toward our intake: a DELIVERY_REQUEST (seed 002) with fresh
 * ids and fresh callback headers, which the sandbox then accepts on status callbacks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SandboxError } from '../common/errors';
import { postJson, type Answer } from '../common/outgoing';
import deliveryRequestExample from '../../contracts/examples/marketplace.delivery-request.json';
import type { HeaderSets } from './headerSets';
import type { MarketplaceSandboxOptions } from './options';

export interface DeliveryRequestResult extends Answer {
  /** the event sent */
  event: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class MarketplaceCaller {
  constructor(
    private readonly options: MarketplaceSandboxOptions,
    private readonly accepted: HeaderSets,
    private readonly logger: Logger,
  ) {}

  /** Seed 002's first example with unique delivery_id / order_number and a fresh Bearer header. */
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

  async sendDeliveryRequest(event: unknown = this.defaultEvent()): Promise<DeliveryRequestResult> {
    const intake = this.options.intake;
    if (!intake)
      throw new SandboxError(409, 'No intake configured: start the marketplace sandbox with intake {url, token}');
    const headers = headersOf(event);
    if (headers) this.accepted.accept(headers);
    const answer = await postJson(`${intake.url.replace(/\/+$/, '')}/marketplace/events`, event, {
      headers: { authorization: `Bearer ${intake.token}` },
      timeoutMs: intake.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.logger.info({ status: answer.status, durationMs: answer.durationMs }, 'marketplace sent DELIVERY_REQUEST');
    return { ...answer, event };
  }
}

/** `logistic_data.headers` when it is a set of string headers (a test may send anything). */
function headersOf(event: unknown): Record<string, string> | null {
  const headers = (event as { logistic_data?: { headers?: unknown } } | null)?.logistic_data?.headers;
  if (!headers || typeof headers !== 'object') return null;
  const entries = Object.entries(headers as Record<string, unknown>);
  return entries.every(([, v]) => typeof v === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : null;
}
