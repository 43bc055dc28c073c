/**
 * Job events to each job's webhook, the way docs/partners.md "Delivery Engine" warns they arrive: at least once,
 * retried with exponential backoff until the receiver answers 200, one job's events in order (the
 * next waits for the previous one's 200), unless the run asks for duplicates or swapped pairs.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { WEBHOOK_KEY_HEADER } from '../../contracts/deliveryEngine';
import { postJson } from '../common/outgoing';
import type { SandboxJobEvent } from './events';
import type { DeliveryAttempt, ResolvedWebhookOptions } from './options';
import type { WorkTracker } from './workTracker';

export type { DeliveryAttempt };

export const WebhookBehaviour = z.strictObject({
  duplicateRate: z.number().min(0).max(1),
  reorder: z.boolean(),
});
export type WebhookBehaviour = z.infer<typeof WebhookBehaviour>;

export interface DeliveryFilter {
  jobId?: string;
  eventId?: string;
  type?: string;
}

interface Target {
  URL: string;
  key: string;
}

interface Queued {
  target: Target;
  event: SandboxJobEvent;
}

interface JobQueue {
  items: Queued[];
  running: boolean;
  /** with reorder: events waiting for a successor to swap with */
  held: { items: Queued[]; timer: NodeJS.Timeout } | null;
}

/** Past this, the oldest attempts are forgotten. */
const MAX_ATTEMPTS_KEPT = 20_000;

export class WebhookDispatcher {
  private readonly queues = new Map<string, JobQueue>();
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly stopping = new AbortController();
  private behaviourNow: WebhookBehaviour;

  constructor(
    private readonly settings: ResolvedWebhookOptions,
    private readonly work: WorkTracker,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviourNow = WebhookBehaviour.parse({ duplicateRate: settings.duplicateRate, reorder: settings.reorder });
  }

  behaviour(): WebhookBehaviour {
    return { ...this.behaviourNow };
  }

  setBehaviour(partial: Partial<WebhookBehaviour>): WebhookBehaviour {
    this.behaviourNow = WebhookBehaviour.parse({ ...this.behaviourNow, ...partial });
    return this.behaviour();
  }

  enqueue(jobId: string, target: Target, event: SandboxJobEvent): void {
    if (this.stopping.signal.aborted) return;
    const queue = this.queueOf(jobId);
    const { duplicateRate, reorder } = this.behaviourNow;
    const copies: Queued[] =
      duplicateRate > 0 && this.random() < duplicateRate
        ? [
            { target, event },
            { target, event },
          ]
        : [{ target, event }];
    for (let i = 0; i < copies.length; i++) this.work.begin();

    if (queue.held) {
      // The successor arrived: it goes first, the held event right after it.
      clearTimeout(queue.held.timer);
      queue.items.push(...copies, ...queue.held.items);
      queue.held = null;
    } else if (reorder && (this.settings.reorderRate >= 1 || this.random() < this.settings.reorderRate)) {
      const timer = setTimeout(() => {
        if (!queue.held) return;
        queue.items.push(...queue.held.items);
        queue.held = null;
        void this.pump(jobId);
      }, this.settings.reorderWindowMs);
      queue.held = { items: copies, timer };
      return;
    } else {
      queue.items.push(...copies);
    }
    void this.pump(jobId);
  }

  deliveries(filter: DeliveryFilter = {}): DeliveryAttempt[] {
    return this.attempts
      .filter(
        (a) =>
          (!filter.jobId || a.jobId === filter.jobId) &&
          (!filter.eventId || a.eventId === filter.eventId) &&
          (!filter.type || a.type === filter.type),
      )
      .map((a) => ({ ...a }));
  }

  /** Stops every delivery: in-flight calls are aborted, waits cancelled, queues dropped. */
  stop(): void {
    this.stopping.abort();
    for (const queue of this.queues.values()) {
      if (queue.held) clearTimeout(queue.held.timer);
      queue.held = null;
      queue.items = [];
    }
  }

  private queueOf(jobId: string): JobQueue {
    let queue = this.queues.get(jobId);
    if (!queue) {
      queue = { items: [], running: false, held: null };
      this.queues.set(jobId, queue);
    }
    return queue;
  }

  /** One job's events, one at a time: the next waits until the previous got its 200 (or gave up). */
  private async pump(jobId: string): Promise<void> {
    const queue = this.queueOf(jobId);
    if (queue.running) return;
    queue.running = true;
    try {
      while (queue.items.length > 0 && !this.stopping.signal.aborted) {
        const next = queue.items[0]!;
        await this.deliver(jobId, next);
        queue.items.shift();
        this.work.end();
      }
    } finally {
      queue.running = false;
    }
  }

  private async deliver(jobId: string, { target, event }: Queued): Promise<void> {
    const { maxAttempts, initialDelayMs, maxDelayMs, timeoutMs } = this.settings;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopping.signal.aborted) return;
      const at = new Date().toISOString();
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const answer = await postJson(target.URL, event, {
          headers: { [WEBHOOK_KEY_HEADER]: target.key },
          timeoutMs,
          signal: this.stopping.signal,
        });
        status = answer.status;
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      if (this.stopping.signal.aborted) return;
      const delivered = status === 200;
      const outcome = delivered ? 'delivered' : attempt === maxAttempts ? 'gave-up' : 'retrying';
      this.record({
        jobId,
        eventId: event.id,
        type: event.type,
        attempt,
        status,
        error,
        at,
        durationMs: Math.round(performance.now() - started),
        outcome,
      });
      if (delivered) return;
      if (outcome === 'gave-up') {
        this.logger.warn({ jobId, eventId: event.id, type: event.type, attempts: attempt }, 'webhook delivery gave up');
        return;
      }
      await this.sleep(Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs));
    }
  }

  private record(attempt: DeliveryAttempt): void {
    this.attempts.push(attempt);
    this.settings.onAttempt({ ...attempt });
    if (this.attempts.length > MAX_ATTEMPTS_KEPT) this.attempts.splice(0, this.attempts.length - MAX_ATTEMPTS_KEPT);
    this.logger.debug(
      {
        jobId: attempt.jobId,
        eventId: attempt.eventId,
        type: attempt.type,
        attempt: attempt.attempt,
        status: attempt.status,
      },
      'webhook attempt',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopping.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
