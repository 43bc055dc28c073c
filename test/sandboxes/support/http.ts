import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Real HTTP calls over loopback, the way the service under test makes them. */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  durationMs: number;
}

export interface CallOptions {
  body?: unknown;
  /** sent as is (not JSON-encoded) */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function call<T = any>(method: string, url: string, options: CallOptions = {}): Promise<Reply<T>> {
  const started = performance.now();
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(url, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    status: response.status,
    body: body as T,
    headers: response.headers,
    durationMs: performance.now() - started,
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function fixture<T = any>(name: string): T {
  // A fresh copy every time: tests change fixtures freely.
  return JSON.parse(readFileSync(path.join(__dirname, '../../../contracts/examples', name), 'utf8')) as T;
}
