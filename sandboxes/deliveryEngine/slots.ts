/**
 * Delivery slots as Instaleap offers them: POST /jobs/availability/v2 answers every slot of
 * `slot_size` minutes inside the search window (at most 7 days, not starting in the past), each held
 * `holdMs`, checkable, extendable by 3 holds while still valid, used by at most one job.
 */
import { randomBytes } from 'node:crypto';
import type { AvailabilityRequest, Slot } from '../../contracts/deliveryEngine';
import { SEARCH_WINDOW_MAX_MS, SLOT_EXPIRED_STATUS, type SlotCheckShape } from '../../contracts/instaleapChoices';
import { SandboxError } from '../common/errors';

export interface HeldSlot {
  slot: Slot;
  expiresAt: number;
  /** what the slot was offered for: the job takes its places and items from it */
  request: AvailabilityRequest;
  /** the job that took this slot */
  jobId: string | null;
}

/** Clock skew a search's `start` may have before it counts as past. */
const START_SKEW_MS = 60_000;
/** Most slots one search answers. */
const MAX_SLOTS = 200;

export class SlotBook {
  private readonly slots = new Map<string, HeldSlot>();

  constructor(
    private readonly holdMs: number,
    /** share of slots offered already lapsed (a slot that expires before its job: the 417 path) */
    private readonly lapseRate = 0,
    private readonly random: () => number = Math.random,
  ) {}

  /** Every slot of `slot_size` minutes, on the slot grid, that lies whole in start..end. */
  offer(request: AvailabilityRequest, now = Date.now()): Slot[] {
    const start = Date.parse(request.start);
    const end = Date.parse(request.end);
    if (start < now - START_SKEW_MS) throw new SandboxError(400, 'start must not be in the past');
    if (end <= start) throw new SandboxError(400, 'end must be after start');
    if (end - start > SEARCH_WINDOW_MAX_MS) throw new SandboxError(400, 'start..end must be at most 7 days');
    const size = request.slot_size * 60_000;
    const offered: Slot[] = [];
    for (let from = Math.ceil(start / size) * size; from + size <= end && offered.length < MAX_SLOTS; from += size) {
      const lapsed = this.lapseRate > 0 && this.random() < this.lapseRate;
      const held: HeldSlot = {
        slot: {
          id: randomBytes(18).toString('base64url'),
          from: new Date(from).toISOString(),
          to: new Date(from + size).toISOString(),
          operational_model: request.operational_models_priority[0]!,
          expires_at: '',
          store: { id: request.store_reference, name: `Store ${request.store_reference}` },
        },
        expiresAt: lapsed ? now : now + this.holdMs,
        request,
        jobId: null,
      };
      this.slots.set(held.slot.id, held);
      offered.push(describe(held));
    }
    return offered;
  }

  /** 404 when unknown */
  require(slotId: string): HeldSlot {
    const held = this.slots.get(slotId);
    if (!held) throw new SandboxError(404, 'Slot not found');
    return held;
  }

  isExpired(held: HeldSlot, now = Date.now()): boolean {
    return now >= held.expiresAt;
  }

  /** Valid: neither expired nor taken by a job. */
  check(slotId: string, now = Date.now()): SlotCheckShape {
    const held = this.require(slotId);
    return {
      valid: !this.isExpired(held, now) && held.jobId === null,
      expires_at: new Date(held.expiresAt).toISOString(),
    };
  }

  /** New expiry: now + 3 holds; 417 once expired, as for POST /jobs. */
  extend(slotId: string, now = Date.now()): { message: string; expires_at: string } {
    const held = this.require(slotId);
    if (this.isExpired(held, now)) throw new SandboxError(SLOT_EXPIRED_STATUS, 'Slot expired');
    held.expiresAt = now + 3 * this.holdMs;
    return { message: 'Expiration time extended', expires_at: new Date(held.expiresAt).toISOString() };
  }

  expireAll(now = Date.now()): number {
    let count = 0;
    for (const held of this.slots.values()) {
      if (held.expiresAt > now) {
        held.expiresAt = now;
        count++;
      }
    }
    return count;
  }

  list(): Slot[] {
    return [...this.slots.values()].map(describe);
  }
}

function describe(held: HeldSlot): Slot {
  return { ...held.slot, expires_at: new Date(held.expiresAt).toISOString() };
}
