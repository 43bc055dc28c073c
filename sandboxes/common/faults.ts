/**
 * Fault injection: latency, 5xx answers, dropped connections and requests never answered, so the
 * service under test meets what real networks and real APIs do. Settable per run (options) and at
 * run time (admin `PUT /_sandbox/faults`, or the handle's `setFaults`).
 */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { isAdminPath } from './paths';

const rate = z.number().min(0).max(1);

export const FaultSettings = z.strictObject({
  /** added before every faulted answer */
  latencyMs: z.number().int().nonnegative().max(600_000),
  /** a uniform extra delay in [0, jitterMs] on top of latencyMs */
  jitterMs: z.number().int().nonnegative().max(600_000),
  /** share of requests answered with one of errorStatuses (default 500 and 503; 429 is allowed too) */
  errorRate: rate,
  errorStatuses: z.array(z.number().int().min(400).max(599)).min(1),
  /** share of requests whose socket is destroyed without an answer */
  dropRate: rate,
  /** share of requests never answered (the client's own timeout fires) */
  timeoutRate: rate,
  /** share of requests carried out, whose answer is then lost (socket destroyed instead of answering) */
  lostAnswerRate: rate,
  /** regex source; faults apply only to request paths it matches; null: every path */
  pathPattern: z
    .string()
    .nullable()
    .refine((source) => source === null || compiles(source), 'must be a valid regular expression'),
});
export type FaultSettings = z.infer<typeof FaultSettings>;
export const PartialFaultSettings = FaultSettings.partial();
export type PartialFaultSettings = z.infer<typeof PartialFaultSettings>;

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorStatuses: [500, 503],
  dropRate: 0,
  timeoutRate: 0,
  lostAnswerRate: 0,
  pathPattern: null,
});

/** What a fault did to a request; the call recorder keeps it. */
export type FaultOutcome = 'error' | 'drop' | 'timeout' | 'lost-answer';

const FAULT_MESSAGES: Record<number, string> = {
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export class FaultInjector {
  private settings: FaultSettings;
  private pattern: RegExp | null = null;

  constructor(
    initial: PartialFaultSettings = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = { ...NO_FAULTS };
    this.set(initial);
  }

  current(): FaultSettings {
    return { ...this.settings, errorStatuses: [...this.settings.errorStatuses] };
  }

  /** Merges `partial` into the current settings; throws a ZodError when the result is invalid. */
  set(partial: PartialFaultSettings): FaultSettings {
    const next = FaultSettings.parse({ ...this.settings, ...partial });
    this.settings = next;
    this.pattern = next.pathPattern === null ? null : new RegExp(next.pathPattern);
    return this.current();
  }

  reset(): FaultSettings {
    return this.set(NO_FAULTS);
  }

  appliesTo(path: string): boolean {
    if (isAdminPath(path)) return false;
    return this.pattern === null || this.pattern.test(path);
  }

  /** Express middleware; mount it after the admin router and before the sandbox's own routes. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.appliesTo(req.path)) return next();
    // Settings are read once per request so a change at run time never half-applies.
    const s = this.settings;
    const delay = s.latencyMs + (s.jitterMs > 0 ? Math.round(this.random() * s.jitterMs) : 0);
    const act = () => {
      if (s.dropRate > 0 && this.random() < s.dropRate) {
        res.locals.fault = 'drop' satisfies FaultOutcome;
        req.socket.destroy();
        return;
      }
      if (s.timeoutRate > 0 && this.random() < s.timeoutRate) {
        // Never answered: the socket stays open until the client gives up or the sandbox closes.
        res.locals.fault = 'timeout' satisfies FaultOutcome;
        return;
      }
      if (s.errorRate > 0 && this.random() < s.errorRate) {
        const status = s.errorStatuses[Math.floor(this.random() * s.errorStatuses.length)] ?? 500;
        res.locals.fault = 'error' satisfies FaultOutcome;
        res.status(status).json({ message: FAULT_MESSAGES[status] ?? 'Injected error', injected: true });
        return;
      }
      if (s.lostAnswerRate > 0 && this.random() < s.lostAnswerRate) {
        // The request is carried out; its answer never leaves: the client cannot know it worked.
        res.locals.fault = 'lost-answer' satisfies FaultOutcome;
        const socket = req.socket;
        res.end = (() => {
          socket.destroy();
          return res;
        }) as typeof res.end;
      }
      next();
    };
    if (delay > 0) {
      const timer = setTimeout(act, delay);
      // A client that gives up during the delay needs no answer.
      res.on('close', () => clearTimeout(timer));
    } else act();
  };
}
