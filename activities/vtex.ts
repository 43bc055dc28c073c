/**
 * VTEX Pick and Pack tracking hook calls (VTEX's guide "Update shipping services"), one activity per
 * endpoint. Every call carries the shared JWT, renews it once on 401 or on VTEX's 403 "token
 * expired", and retries the call with the new token. Posting notes, evidences and labels is made
 * idempotent across activity retries by reading the service back first.
 */
import { attempt } from './attempt';
import type {
  CancelHookRequest,
  Evidence,
  Label,
  Note,
  OnHoldHookRequest,
  ServiceRecord,
  TrackingUpdate,
} from '../contracts/vtex';
import { TOKEN_EXPIRED_MESSAGE } from '../contracts/vtex';
import type { VtexTarget } from '../contracts/delivery';
import { ApplicationFailure } from '@temporalio/common';
import { failureFor, FailureType } from './failures';
import type { HttpClient, HttpRequest, HttpResponse } from './http';
import type { VtexTokenCache } from './vtexToken';
import type { ReportTiming } from './reportMetrics';

const CALL_TIMEOUT_MS = 8000;
/** 404s are retried this many attempts (VTEX confirms creation up to 5 s late), then flagged. */
const NOT_FOUND_RETRY_ATTEMPTS = 8;

export interface VtexDeps {
  tracking: HttpClient;
  tokens: VtexTokenCache;
}

export type ReportResult = { outcome: 'sent' } | { outcome: 'already-present' };

// Every report activity takes, last, the time of the event it reports (`ReportTiming`): read only
// by the metrics (activities/reportMetrics.ts), never by the call.

export function createVtexActivities({ tracking, tokens }: VtexDeps) {
  function tokenRejected(response: HttpResponse): boolean {
    if (response.status === 401) return true;
    const message = (response.body as { message?: unknown } | null)?.message;
    return response.status === 403 && typeof message === 'string' && message.includes(TOKEN_EXPIRED_MESSAGE);
  }

  /** One tracking hook call with the shared token; renewed and retried once when refused. */
  async function call<T>(request: Omit<HttpRequest, 'timeoutMs' | 'headers'>): Promise<T> {
    const full = { ...request, timeoutMs: CALL_TIMEOUT_MS };
    let token = await tokens.get();
    let response = await tracking.send<T>({ ...full, headers: { authorization: token } });
    if (tokenRejected(response)) {
      tokens.invalidate(token);
      token = await tokens.get();
      response = await tracking.send<T>({ ...full, headers: { authorization: token } });
    }
    if (response.status >= 200 && response.status < 300) return response.body;
    throw failureFor(
      { system: 'VTEX', method: request.method, path: request.path, status: response.status, body: response.body },
      { notFoundRetryable: attempt() <= NOT_FOUND_RETRY_ATTEMPTS },
    );
  }

  const hookPath = (kind: string | undefined, t: VtexTarget) =>
    `/tracking/hook/${kind ? `${kind}/` : ''}${pathSegment(t.carrierId, 'carrierId')}/${pathSegment(t.serviceId, 'serviceId')}`;

  /** On a retry, what VTEX already holds: the earlier attempt may have landed before it failed. */
  async function currentRecord(target: VtexTarget): Promise<ServiceRecord | undefined> {
    if (attempt() === 1) return undefined;
    const body = await call<{ data?: ServiceRecord }>({ method: 'GET', path: hookPath(undefined, target) });
    return body?.data;
  }

  return {
    async vtexGetService(target: VtexTarget): Promise<ServiceRecord | undefined> {
      const body = await call<{ data?: ServiceRecord }>({ method: 'GET', path: hookPath(undefined, target) });
      return body?.data;
    },

    async vtexUpdateService(target: VtexTarget, update: TrackingUpdate, _timing?: ReportTiming): Promise<ReportResult> {
      await call({ method: 'PATCH', path: hookPath(undefined, target), json: update });
      return { outcome: 'sent' };
    },

    async vtexAddNotes(target: VtexTarget, notes: Note[], _timing?: ReportTiming): Promise<ReportResult> {
      const record = await currentRecord(target);
      if (
        record &&
        endsWith(
          record.notes.map((n) => [n.type, n.content, n.author ?? '']),
          notes.map((n) => [n.type, n.note, n.author ?? '']),
        )
      ) {
        return { outcome: 'already-present' };
      }
      await call({ method: 'POST', path: hookPath('notes', target), json: notes });
      return { outcome: 'sent' };
    },

    async vtexAddEvidences(target: VtexTarget, evidences: Evidence[], _timing?: ReportTiming): Promise<ReportResult> {
      const record = await currentRecord(target);
      if (
        record &&
        endsWith(
          record.evidences.map((e) => [e.type, e.content ?? '', e.author ?? '']),
          evidences.map((e) => [e.type, e.content, e.author ?? '']),
        )
      ) {
        return { outcome: 'already-present' };
      }
      await call({ method: 'POST', path: hookPath('evidences', target), json: evidences });
      return { outcome: 'sent' };
    },

    async vtexAddLabel(target: VtexTarget, label: Label, _timing?: ReportTiming): Promise<ReportResult> {
      const record = await currentRecord(target);
      if (record?.labels.some((l) => l.id === label.id)) return { outcome: 'already-present' };
      await call({ method: 'POST', path: hookPath('labels', target), json: label });
      return { outcome: 'sent' };
    },

    async vtexCancelService(
      target: VtexTarget,
      body: CancelHookRequest,
      _timing?: ReportTiming,
    ): Promise<ReportResult> {
      const record = await currentRecord(target);
      if (record?.status === 'CANCELED') return { outcome: 'already-present' };
      await call({ method: 'POST', path: hookPath('cancel', target), json: body });
      return { outcome: 'sent' };
    },

    async vtexHoldService(target: VtexTarget, body: OnHoldHookRequest, _timing?: ReportTiming): Promise<ReportResult> {
      await call({ method: 'POST', path: hookPath('on-hold', target), json: body });
      return { outcome: 'sent' };
    },
  };
}

/**
 * One URL path segment of an id. encodeURIComponent leaves dots alone, and a segment of only dots
 * (or none at all) would move the request, our JWT with it, to another path at VTEX: refused, for
 * good. The intake never lets such an id in; this holds whatever an input says.
 */
function pathSegment(id: string, what: string): string {
  if (id === '' || /^\.+$/.test(id))
    throw ApplicationFailure.create({
      type: FailureType.BadRequest,
      message: `VTEX ${what} ${JSON.stringify(id)} cannot be a URL path segment`,
      nonRetryable: true,
    });
  return encodeURIComponent(id);
}

/** Whether `list` ends with exactly the rows of `tail`. */
function endsWith(list: string[][], tail: string[][]): boolean {
  if (tail.length === 0 || list.length < tail.length) return false;
  const start = list.length - tail.length;
  return tail.every((row, i) => row.join('\u0000') === list[start + i]!.join('\u0000'));
}

export type VtexActivities = ReturnType<typeof createVtexActivities>;
