/** Status callbacks received, per delivery, in arrival order (repeats kept and flagged). */
import type { StatusCallback } from '../../contracts/marketplace';

export interface ReceivedCallback {
  receivedAt: string;
  /** an event_id this delivery already received */
  duplicate: boolean;
  callback: StatusCallback;
}

export interface DeliverySummary {
  deliveryId: string;
  callbacks: number;
  lastStatus: StatusCallback['status'];
}

export class CallbackStore {
  private readonly byDelivery = new Map<string, ReceivedCallback[]>();

  add(deliveryId: string, callback: StatusCallback): ReceivedCallback {
    const list = this.byDelivery.get(deliveryId) ?? [];
    const received: ReceivedCallback = {
      receivedAt: new Date().toISOString(),
      duplicate: list.some((r) => r.callback.event_id === callback.event_id),
      callback,
    };
    list.push(received);
    this.byDelivery.set(deliveryId, list);
    return received;
  }

  of(deliveryId: string): ReceivedCallback[] {
    return structuredClone(this.byDelivery.get(deliveryId) ?? []);
  }

  summary(): DeliverySummary[] {
    return [...this.byDelivery.entries()].map(([deliveryId, list]) => ({
      deliveryId,
      callbacks: list.length,
      lastStatus: list[list.length - 1]!.callback.status,
    }));
  }
}
