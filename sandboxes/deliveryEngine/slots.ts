/**
 * Delivery slots: held `slotHoldMs` from POST /jobs/availability, checkable, extendable by 3 holds
 * while still valid, used by at most one job.
 */
import { randomUUID } from 'node:crypto';
import type { AvailabilityRequest, AvailabilityResponse } from '../../contracts/deliveryEngine';
import { SandboxError } from '../common/errors';
import { deliveryWindow, distanceMetres, slotPrice, totalWeightKg } from './pricing';

export interface Slot {
  slot_id: string;
  expiresAt: number;
  starts_at: string;
  ends_at: string;
  price: number;
  distance_m: number;
  /** the job that took this slot */
  jobId: string | null;
}

export class SlotBook {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly holdMs: number,
    /** share of slots offered already lapsed (a slot that expires before its job: the 417 path) */
    private readonly lapseRate = 0,
    private readonly random: () => number = Math.random,
  ) {}

  offer(request: AvailabilityRequest, now = Date.now()): AvailabilityResponse {
    const distance_m = distanceMetres(request.origin, request.destination);
    const window = deliveryWindow(request.window, now);
    const slot: Slot = {
      slot_id: randomUUID(),
      expiresAt: this.lapseRate > 0 && this.random() < this.lapseRate ? now : now + this.holdMs,
      ...window,
      price: slotPrice(distance_m, totalWeightKg(request.items)),
      distance_m,
      jobId: null,
    };
    this.slots.set(slot.slot_id, slot);
    return describe(slot);
  }

  get(slotId: string): Slot | undefined {
    return this.slots.get(slotId);
  }

  /** 404 when unknown */
  require(slotId: string): Slot {
    const slot = this.slots.get(slotId);
    if (!slot) throw new SandboxError(404, 'Slot not found');
    return slot;
  }

  isExpired(slot: Slot, now = Date.now()): boolean {
    return now >= slot.expiresAt;
  }

  /** Valid: neither expired nor taken by a job. */
  check(slotId: string, now = Date.now()): { slot_id: string; valid: boolean; expires_at: string } {
    const slot = this.require(slotId);
    return {
      slot_id: slot.slot_id,
      valid: !this.isExpired(slot, now) && slot.jobId === null,
      expires_at: new Date(slot.expiresAt).toISOString(),
    };
  }

  /** New expiry: now + 3 holds (docs/partners.md "Delivery Engine"); 417 once expired, as for POST /jobs. */
  extend(slotId: string, now = Date.now()): { slot_id: string; expires_at: string } {
    const slot = this.require(slotId);
    if (this.isExpired(slot, now)) throw new SandboxError(417, 'Slot expired');
    slot.expiresAt = now + 3 * this.holdMs;
    return { slot_id: slot.slot_id, expires_at: new Date(slot.expiresAt).toISOString() };
  }

  expireAll(now = Date.now()): number {
    let count = 0;
    for (const slot of this.slots.values()) {
      if (slot.expiresAt > now) {
        slot.expiresAt = now;
        count++;
      }
    }
    return count;
  }

  list(): AvailabilityResponse[] {
    return [...this.slots.values()].map(describe);
  }
}

function describe(slot: Slot): AvailabilityResponse {
  return {
    slot_id: slot.slot_id,
    expires_at: new Date(slot.expiresAt).toISOString(),
    starts_at: slot.starts_at,
    ends_at: slot.ends_at,
    price: slot.price,
  };
}
