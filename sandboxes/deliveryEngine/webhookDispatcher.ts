/**
 * Job events to every webhook URL registered for the account (Instaleap takes up to 3), signed with
 * `InstaLeap-Signature`, the way docs/partners.md "Delivery Engine" warns they arrive: at least once,
 * retried with exponential backoff until the receiver answers 200, one job's events in order per URL
 * (the next waits for the previous one's 200), unless the run asks for duplicates or swapped pairs.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { SIGNATURE_HEADER } from '../../contracts/deliveryEngine';
import { signatureFor } from '../../contracts/webhookKey';
import { SandboxError } from '../common/errors';
import { postJson } from '../common/outgoing';
import { MAX_WEBHOOK_URLS, type DeliveryAttempt, type ResolvedWebhookOptions } from './options';
import type { SandboxJobEvent } from './events';
import type { WorkTracker } from './workTracker';

export type { DeliveryAttempt };

export const WebhookBehaviour = z.strictObject({
  duplicateRate: z.number().min(0).max(1),
  reorder: z.boolean(),
});
export type WebhookBehaviour = z.infer<typeof WebhookBehaviour>;

export interface DeliveryFilter {
  jobId?: string;
  url?: string;
  eventId?: string;
  type?: string;
}

interface Queued {
  url: string;
  jobId: string;
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
  private registered: string[] = [];

  constructor(
    private readonly settings: ResolvedWebhookOptions,
    private readonly secret: string,
    private readonly work: WorkTracker,
    private readonly logger: Logger,
    urls: string[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.behaviourNow = WebhookBehaviour.parse({ duplicateRate: settings.duplicateRate, reorder: settings.reorder });
    this.setUrls(urls);
  }

  /** The account's webhook URLs. */
  urls(): string[] {
    return [...this.registered];
  }

  /** Registers the account's webhook URLs (at most 3, each http(s)); events from now on go to them. */
  setUrls(urls: string[]): string[] {
    if (urls.length > MAX_WEBHOOK_URLS) throw new SandboxError(400, `At most ${MAX_WEBHOOK_URLS} webhook URLs`);
    for (const url of urls) {
      if (!/^https?:\/\//.test(url)) throw new SandboxError(400, `Not an http(s) URL: ${url}`);
    }
    this.registered = [...new Set(urls)];
    return this.urls();
  }

  behaviour(): WebhookBehaviour {
    return { ...this.behaviourNow };
  }

  setBehaviour(partial: Partial<WebhookBehaviour>): WebhookBehaviour {
    this.behaviourNow = WebhookBehaviour.parse({ ...this.behaviourNow, ...partial });
    return this.behaviour();
  }

  /** The event to every registered URL; with none registered it goes nowhere (as at Instaleap). */
  enqueue(jobId: string, event: SandboxJobEvent): void {
    for (const url of this.registered) this.enqueueTo(url, jobId, event);
  }

  private enqueueTo(url: string, jobId: string, event: SandboxJobEvent): void {
    if (this.stopping.signal.aborted) return;
    const key = `${url} ${jobId}`;
    const queue = this.queueOf(key);
    const { duplicateRate, reorder } = this.behaviourNow;
    const one: Queued = { url, jobId, event };
    const copies: Queued[] = duplicateRate > 0 && this.random() < duplicateRate ? [one, one] : [one];
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
        void this.pump(key);
      }, this.settings.reorderWindowMs);
      queue.held = { items: copies, timer };
      return;
    } else {
      queue.items.push(...copies);
    }
    void this.pump(key);
  }

  deliveries(filter: DeliveryFilter = {}): DeliveryAttempt[] {
    return this.attempts
      .filter(
        (a) =>
          (!filter.jobId || a.jobId === filter.jobId) &&
          (!filter.url || a.url === filter.url) &&
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

  private queueOf(key: string): JobQueue {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { items: [], running: false, held: null };
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** One job's events to one URL, one at a time: the next waits until the previous got its 200 (or gave up). */
  private async pump(key: string): Promise<void> {
    const queue = this.queueOf(key);
    if (queue.running) return;
    queue.running = true;
    try {
      while (queue.items.length > 0 && !this.stopping.signal.aborted) {
        const next = queue.items[0]!;
        await this.deliver(next);
        queue.items.shift();
        this.work.end();
      }
    } finally {
      queue.running = false;
    }
  }

  private async deliver({ url, jobId, event }: Queued): Promise<void> {
    const signature = signatureFor(this.secret, event);
    const { maxAttempts, initialDelayMs, maxDelayMs, timeoutMs } = this.settings;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopping.signal.aborted) return;
      const at = new Date().toISOString();
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const answer = await postJson(url, event, {
          headers: { [SIGNATURE_HEADER]: signature },
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
        url,
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
