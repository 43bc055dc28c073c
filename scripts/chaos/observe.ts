/**
 * What the chaos run puts in front of the VTEX and engine sandboxes: an outer Express app that
 * (1) keeps its own compact index of the calls that matter to the checker (the sandboxes' own call
 * lists are capped at 10,000 and hold whole bodies), (2) counts the faults the sandboxes injected
 * (their FaultInjector marks `res.locals.fault`), and (3) plays the persistent refusals a run needs
 * for one delivery at a time (the sandboxes' faults apply to every delivery alike). It also reads
 * what Temporal holds of an open workflow's pending task (`pendingWorkflowTaskOf`).
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { PendingWorkflowTask } from './checker';

export type FaultKind = 'error' | 'timeout' | 'lost-answer' | 'drop' | 'refusal' | 'delay';

export class FaultCounter {
  readonly counts: Record<string, number> = {};
  add(system: string, kind: FaultKind): void {
    const key = `${system} ${kind}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
  total(kind?: FaultKind): number {
    return Object.entries(this.counts)
      .filter(([key]) => kind === undefined || key.endsWith(` ${kind}`))
      .reduce((sum, [, n]) => sum + n, 0);
  }
}

/** One tracking hook call, as VTEX received it. */
export interface TrackingCall {
  /** epoch ms it arrived */
  at: number;
  method: string;
  /** '' for GET/PATCH of the service, else notes, evidences, labels, cancel, on-hold */
  hook: string;
  serviceId: string;
  /** null when no answer left (fault) */
  status: number | null;
}

const TRACKING_PATH = /^\/tracking\/hook\/(?:(notes|evidences|labels|cancel|on-hold)\/)?([^/]+)\/([^/]+)$/;

/** A refusal for one delivery: for `forMs` from its first call (or from when it was set), answer `status`. */
interface Refusal {
  until?: number;
  forMs: number;
  status: number;
  message: string;
  /** calls refused, and the span they covered */
  refused: number;
  firstAt?: number;
  lastAt?: number;
}

/** Whether `refusal` refuses a call now; starts its window at the first call. */
function refusing(refusal: Refusal | undefined): boolean {
  if (!refusal) return false;
  const now = Date.now();
  refusal.until ??= now + refusal.forMs;
  if (now >= refusal.until) return false;
  refusal.refused += 1;
  refusal.firstAt ??= now;
  refusal.lastAt = now;
  return true;
}

/** The delivery a webhook key names: `<serviceId>.<hmac>` (docs/specification.md "The Delivery Engine"). */
export function serviceOfWebhookKey(key: unknown): string | undefined {
  if (typeof key !== 'string') return undefined;
  const dot = key.lastIndexOf('.');
  return dot > 0 ? key.slice(0, dot) : undefined;
}

export class VtexObserver {
  readonly calls = new Map<string, TrackingCall[]>();
  private readonly refusals = new Map<string, Refusal>();

  constructor(private readonly faults: FaultCounter) {}

  /**
   * Every tracking call for `serviceId` is answered `status` for `forMs` from its first call after
   * now (a delivery's reports wait for VTEX's confirmation: a window from now could pass unseen).
   */
  refuse(serviceId: string, forMs: number, status = 503): void {
    this.refusals.set(serviceId, {
      forMs,
      status,
      message: status === 404 ? 'Service not found' : status === 400 ? 'Invalid request' : 'Service unavailable',
      refused: 0,
    });
  }

  /** Ends the refusal of `serviceId` now; returns how many calls it refused. */
  lift(serviceId: string): number {
    const refusal = this.refusals.get(serviceId);
    if (refusal) refusal.until = Date.now();
    return refusal?.refused ?? 0;
  }

  /** How many tracking calls of `serviceId` a refusal answered. */
  refusedCalls(serviceId: string): number {
    return this.refusals.get(serviceId)?.refused ?? 0;
  }

  callsOf(serviceId: string): TrackingCall[] {
    return this.calls.get(serviceId) ?? [];
  }

  wrap(inner: Express): Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((req: Request, res: Response, next: NextFunction) => {
      const match = TRACKING_PATH.exec(req.path);
      if (!match) {
        countFaultOnClose('vtex', res, this.faults);
        return next();
      }
      const serviceId = decodeURIComponent(match[3]!).split('&').pop()!;
      const call: TrackingCall = { at: Date.now(), method: req.method, hook: match[1] ?? '', serviceId, status: null };
      const list = this.calls.get(serviceId) ?? [];
      list.push(call);
      this.calls.set(serviceId, list);
      res.on('close', () => {
        const fault = res.locals.fault as FaultKind | undefined;
        if (fault) this.faults.add('vtex', fault);
        call.status = res.writableFinished && fault !== 'lost-answer' && fault !== 'drop' ? res.statusCode : null;
      });
      const refusal = this.refusals.get(serviceId);
      if (refusing(refusal)) {
        this.faults.add('vtex', 'refusal');
        res.status(refusal!.status).json({ message: refusal!.message, injected: true });
        return;
      }
      next();
    });
    app.use(inner);
    return app;
  }
}

/** POST /jobs as the engine received it, per client_reference. */
export interface CreateCall {
  at: number;
  status: number | null;
}

export class EngineObserver {
  /** POST /jobs per delivery (the one its webhook key names) */
  readonly creates = new Map<string, CreateCall[]>();
  /** engine jobs per delivery, and the delivery of each job */
  readonly jobsOf = new Map<string, string[]>();
  readonly ownerOf = new Map<string, string>();
  /** per delivery, the jobs whose POST /jobs answer reached the caller */
  private readonly answered = new Map<string, string[]>();
  private readonly refusals = new Map<string, Refusal>();
  private readonly delays = new Map<string, { left: number; delayMs: number }>();

  constructor(
    private readonly faults: FaultCounter,
    /** the newest job the engine holds for a client_reference, once POST /jobs was carried out */
    private readonly jobOfReference: (clientReference: string) => string | undefined,
  ) {}

  /** POST /jobs of this delivery is answered `status` (409: slot taken) for `forMs` from its first one. */
  refuseCreate(serviceId: string, forMs: number, status = 409): void {
    this.refusals.set(serviceId, { forMs, status, message: 'Slot already used by another job', refused: 0 });
  }

  /** How many POST /jobs were refused, over what span. */
  refusedCreates(serviceId: string): { calls: number; windowMs: number } | undefined {
    const r = this.refusals.get(serviceId);
    if (!r || r.firstAt === undefined) return undefined;
    return { calls: r.refused, windowMs: Math.max(1, (r.lastAt ?? r.firstAt) - r.firstAt) };
  }

  jobOf(serviceId: string): string | undefined {
    return this.jobsOf.get(serviceId)?.[0];
  }

  /** The first `calls` POST /jobs of this delivery are carried out only after `delayMs`. */
  delayCreate(serviceId: string, delayMs: number, calls = 2): void {
    this.delays.set(serviceId, { left: calls, delayMs });
  }

  createsOf(serviceId: string): CreateCall[] {
    return this.creates.get(serviceId) ?? [];
  }

  /**
   * The job the delivery holds: the newest one whose POST /jobs answer reached the caller (a job
   * whose answer was lost is canceled as a stray once its CREATED comes); none yet: undefined.
   */
  answeredJobOf(serviceId: string): string | undefined {
    return this.answered.get(serviceId)?.at(-1);
  }

  private noteJob(serviceId: string, reference: string, answered: boolean): void {
    const jobId = this.jobOfReference(reference);
    if (jobId && answered && !(this.answered.get(serviceId) ?? []).includes(jobId))
      this.answered.set(serviceId, [...(this.answered.get(serviceId) ?? []), jobId]);
    if (!jobId || this.ownerOf.has(jobId)) return;
    // The job belongs to the delivery whose create made it: its webhook is the first one's.
    this.ownerOf.set(jobId, serviceId);
    const list = this.jobsOf.get(serviceId) ?? [];
    list.push(jobId);
    this.jobsOf.set(serviceId, list);
  }

  wrap(inner: Express): Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((req, res, next) => {
      if (req.method === 'POST' && req.path === '/jobs') return next();
      countFaultOnClose('engine', res, this.faults);
      next();
    });
    // POST /jobs is read here to know its reference; the inner app's parser skips a parsed body.
    app.post('/jobs', express.json({ limit: '1mb' }), (req, res, next) => {
      const reference = typeof req.body?.client_reference === 'string' ? (req.body.client_reference as string) : '';
      const serviceId = serviceOfWebhookKey(req.body?.external_data?.webhook?.key) ?? `(reference ${reference})`;
      const call: CreateCall = { at: Date.now(), status: null };
      const list = this.creates.get(serviceId) ?? [];
      list.push(call);
      this.creates.set(serviceId, list);
      res.on('close', () => {
        const fault = res.locals.fault as FaultKind | undefined;
        if (fault) this.faults.add('engine', fault);
        call.status = res.writableFinished && fault !== 'lost-answer' && fault !== 'drop' ? res.statusCode : null;
        this.noteJob(serviceId, reference, call.status !== null && call.status < 300);
      });
      const refusal = this.refusals.get(serviceId);
      if (refusing(refusal)) {
        this.faults.add('engine', 'refusal');
        res.status(refusal!.status).json({ message: refusal!.message, injected: true });
        return;
      }
      const delay = this.delays.get(serviceId);
      if (delay && delay.left > 0) {
        delay.left -= 1;
        this.faults.add('engine', 'delay');
        // Carried out late, whether or not the caller still waits: the job exists afterwards.
        setTimeout(() => {
          next();
          setTimeout(() => this.noteJob(serviceId, reference, false), 50);
        }, delay.delayMs);
        return;
      }
      next();
    });
    app.use(inner);
    return app;
  }
}

function countFaultOnClose(system: string, res: Response, faults: FaultCounter): void {
  res.on('close', () => {
    const fault = res.locals.fault as FaultKind | undefined;
    if (fault) faults.add(system, fault);
  });
}

/**
 * An open workflow's pending workflow task, as Temporal holds it (DescribeWorkflowExecution's
 * `pendingWorkflowTask`), and why the last attempt failed (the last WorkflowTaskFailed of its
 * history: Temporal records the first failure of a run of them, then counts attempts). The history
 * is read only for a task that already failed, so a run of 1,000 open deliveries costs a describe each.
 */
export async function pendingWorkflowTaskOf(
  client: Client,
  workflowId: string,
  described?: WorkflowExecutionDescription,
): Promise<PendingWorkflowTask | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const description = described ?? (await handle.describe());
  const pending = description.raw.pendingWorkflowTask;
  if (!pending) return undefined;
  const task: PendingWorkflowTask = { attempt: pending.attempt ?? 1 };
  // A signal after a failed task starts its attempts again at 1: the history says whether the last
  // task that ended failed (then the pending one replays the same failure).
  const { events } = await handle.fetchHistory();
  const { EVENT_TYPE_WORKFLOW_TASK_FAILED: FAILED, EVENT_TYPE_WORKFLOW_TASK_COMPLETED: COMPLETED } =
    temporal.api.enums.v1.EventType;
  const lastEnded = [...(events ?? [])].reverse().find((e) => e.eventType === FAILED || e.eventType === COMPLETED);
  const failed = lastEnded?.eventType === FAILED ? lastEnded : undefined;
  const attributes = failed?.workflowTaskFailedEventAttributes;
  if (attributes) {
    const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[attributes.cause ?? 0] ?? String(attributes.cause);
    task.lastFailure = { cause, message: attributes.failure?.message ?? '' };
  }
  return task;
}
