/**
 * Every call a sandbox receives, as the service under test sent it (secrets masked) and as the
 * sandbox answered it, so tests can assert on what really went over the wire.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { FaultOutcome } from './faults';
import { maskBody, maskHeaders } from './mask';
import { isAdminPath } from './paths';

export interface CallRecord {
  id: string;
  /** ISO time the request arrived */
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  /** the parsed JSON body, secrets masked; null when there was none or it was not JSON */
  body: unknown;
  /** null while unanswered, and for requests a fault dropped or never answered */
  status: number | null;
  /** time to answer (or to the client giving up); null while in flight */
  durationMs: number | null;
  /** the fault injected into this call, if any */
  fault: FaultOutcome | null;
}

export interface CallFilter {
  method?: string;
  /** a substring of the path, or a regular expression (a string that compiles is tried as both) */
  path?: string | RegExp;
}

/** Oldest calls are forgotten past this, so a long demo does not grow without bound. */
const DEFAULT_CAPACITY = 10_000;
const RECORD_KEY = 'callRecord';

export class CallRecorder {
  private records: CallRecord[] = [];

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** First middleware of the app: opens the record and closes it when the answer is sent. */
  readonly track = (req: Request, res: Response, next: NextFunction): void => {
    if (isAdminPath(req.path)) return next();
    const started = process.hrtime.bigint();
    const record: CallRecord = {
      id: randomUUID(),
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, unknown>) },
      headers: maskHeaders(req.headers),
      body: null,
      status: null,
      durationMs: null,
      fault: null,
    };
    res.locals[RECORD_KEY] = record;
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    const settle = () => {
      if (record.durationMs !== null) return;
      record.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      record.fault = (res.locals.fault as FaultOutcome | undefined) ?? null;
      record.status =
        res.writableFinished && record.fault !== 'drop' && record.fault !== 'lost-answer' ? res.statusCode : null;
      record.body = maskBody(req.body ?? null);
    };
    res.on('finish', settle);
    res.on('close', settle);
    next();
  };

  /** Mounted right after the JSON parser, so even a call never answered shows its body. */
  readonly captureBody = (req: Request, res: Response, next: NextFunction): void => {
    const record = res.locals[RECORD_KEY] as CallRecord | undefined;
    if (record) record.body = maskBody(req.body ?? null);
    next();
  };

  list(filter: CallFilter = {}): CallRecord[] {
    const method = filter.method?.toUpperCase();
    const matchesPath = pathMatcher(filter.path);
    return this.records
      .filter((r) => (!method || r.method === method) && matchesPath(r.path))
      .map((r) => structuredClone(r));
  }

  clear(): void {
    this.records = [];
  }
}

function pathMatcher(filter: string | RegExp | undefined): (path: string) => boolean {
  if (filter === undefined || filter === '') return () => true;
  if (filter instanceof RegExp) return (path) => filter.test(path);
  let regex: RegExp | null = null;
  try {
    regex = new RegExp(filter);
  } catch {
    regex = null;
  }
  return (path) => path.includes(filter) || (regex !== null && regex.test(path));
}
