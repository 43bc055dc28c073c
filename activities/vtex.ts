/**
 * VTEX Pick and Pack tracking hook calls (VTEX's guide "Update shipping services"), one activity per
 * endpoint. Every call carries the shared JWT, renews it once on 401 or on VTEX's 403 "token
 * expired", and retries the call with the new token. VTEX takes no idempotency key, so every post
 * that would show twice (notes, evidences, labels, cancel, on-hold) reads the service back first and
 * sends only what VTEX does not hold yet, each post identified by the event that asked for it
 * (docs/specification.md "Exactly once at VTEX").
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  type CancelHookRequest,
  type Evidence,
  type Label,
  type Note,
  type ServiceRecord,
  type TrackingUpdate,
  TOKEN_EXPIRED_MESSAGE,
} from '../contracts/vtex';
import type { EvidenceToPost, NoteToPost, OnHoldToPost } from '../mapping/eventToVtex';
import type { VtexTarget } from '../contracts/delivery';
import { attempt } from './attempt';
import { failureFor, FailureType } from './failures';
import type { HttpClient, HttpRequest, HttpResponse } from './http';
import type { VtexTokenCache } from './vtexToken';
import type { ReportTiming } from './reportMetrics';

const CALL_TIMEOUT_MS = 8000;

export interface VtexDeps {
  tracking: HttpClient;
  tokens: VtexTokenCache;
  /**
   * Attempts of a call answered 404 before it counts as refused (VTEX_NOT_FOUND_RETRY_ATTEMPTS):
   * VTEX answering 404 for a while (its 5 s confirmation, an incident, slow indexing) must not end
   * a real delivery. The workflow flags it meanwhile; a refused call is kept for an operator's
   * resend, and nothing is canceled.
   */
  notFoundRetryAttempts?: number;
}

const NOT_FOUND_RETRY_ATTEMPTS = 360;

export type ReportResult = { outcome: 'sent' } | { outcome: 'already-present' } | { outcome: 'superseded' };

// Every report activity takes, last, the time of the event it reports (`ReportTiming`): read only
// by the metrics (activities/reportMetrics.ts), never by the call.

export function createVtexActivities({ tracking, tokens, notFoundRetryAttempts = NOT_FOUND_RETRY_ATTEMPTS }: VtexDeps) {
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
      { notFoundRetryable: attempt() <= notFoundRetryAttempts },
    );
  }

  const hookPath = (kind: string | undefined, t: VtexTarget) =>
    `/tracking/hook/${kind ? `${kind}/` : ''}${pathSegment(t.carrierId, 'carrierId')}/${pathSegment(t.serviceId, 'serviceId')}`;

  /**
   * What VTEX already holds, read before every post, first attempts included: an earlier attempt may
   * have landed before it failed, and a call still in flight when its workflow continued as new is
   * sent again, as a first attempt, by the next run.
   */
  async function currentRecord(target: VtexTarget): Promise<ServiceRecord | undefined> {
    const body = await call<{ data?: ServiceRecord }>({ method: 'GET', path: hookPath(undefined, target) });
    return body?.data;
  }

  return {
    async vtexGetService(target: VtexTarget): Promise<ServiceRecord | undefined> {
      const body = await call<{ data?: ServiceRecord }>({ method: 'GET', path: hookPath(undefined, target) });
      return body?.data;
    },

    async vtexUpdateService(target: VtexTarget, update: TrackingUpdate, _timing?: ReportTiming): Promise<ReportResult> {
      // A status VTEX's own cancel overtook must not reopen the service, so every status PATCH reads
      // the service back first, first attempts included: VTEX may cancel in its 5 s confirmation
      // window, before our first report; and a status report under way when the platform's cancel
      // came runs again from its first attempt (a local activity) once a killed worker's task is
      // retried. The read must succeed: a PATCH sent blind is the very case it guards.
      if (update.status !== undefined) {
        const record = await currentRecord(target);
        if (record?.status === 'CANCELED') return { outcome: 'superseded' };
      }
      await call({ method: 'PATCH', path: hookPath(undefined, target), json: update });
      return { outcome: 'sent' };
    },

    async vtexAddNotes(target: VtexTarget, notes: NoteToPost[], _timing?: ReportTiming): Promise<ReportResult> {
      const record = await currentRecord(target);
      const held = record?.notes ?? [];
      const missing = notes
        .map(({ ref, ...note }): Note => (ref ? { ...note, note: withMarker(note.note, ref) } : note))
        .filter(
          (note, i) =>
            !held.some((h) =>
              notes[i]!.ref
                ? h.content.includes(markerFor(notes[i]!.ref!))
                : h.type === note.type && h.content === note.note,
            ),
        );
      if (missing.length === 0) return { outcome: 'already-present' };
      await call({ method: 'POST', path: hookPath('notes', target), json: missing });
      return { outcome: 'sent' };
    },

    async vtexAddEvidences(
      target: VtexTarget,
      evidences: EvidenceToPost[],
      _timing?: ReportTiming,
    ): Promise<ReportResult> {
      const record = await currentRecord(target);
      const held = record?.evidences ?? [];
      const missing: Evidence[] = [];
      for (const { ref, ...evidence } of evidences) {
        // An image is its URL: the same photo is shown once, whichever event carried it. A text
        // evidence reads like a note, and like a note it is identified by its event.
        const sent =
          evidence.type === 'TEXT' && ref ? { ...evidence, content: withMarker(evidence.content, ref) } : evidence;
        const marker = evidence.type === 'TEXT' && ref ? markerFor(ref) : undefined;
        const same = (e: { type: string; content: string | null }) =>
          e.type === sent.type && (marker ? (e.content ?? '').includes(marker) : e.content === sent.content);
        if (!held.some(same) && !missing.some(same)) missing.push(sent);
      }
      if (missing.length === 0) return { outcome: 'already-present' };
      await call({ method: 'POST', path: hookPath('evidences', target), json: missing });
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

    async vtexHoldService(target: VtexTarget, body: OnHoldToPost, _timing?: ReportTiming): Promise<ReportResult> {
      const { ref, ...hold } = body;
      const sent = ref ? { ...hold, comment: withMarker(hold.comment, ref) } : hold;
      const record = await currentRecord(target);
      // VTEX's Get service shows an on-hold as the service's status (VTEX's guide), and the sandbox
      // (like VTEX's timeline) keeps the comment: our marker there says this very on-hold landed even
      // if the service was resumed since. A service already on hold needs no second one.
      if (record && (record.status === 'ON_HOLD' || (ref && JSON.stringify(record.timeline).includes(markerFor(ref)))))
        return { outcome: 'already-present' };
      await call({ method: 'POST', path: hookPath('on-hold', target), json: sent });
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

/**
 * The marker a post carries at VTEX, derived from its ref (`<event id>/<what>/<index>`): short, one
 * word, the same for every attempt and every run of the workflow. 50 bits of SHA-256: two posts of
 * one delivery never share it.
 */
export function markerFor(ref: string): string {
  const digest = createHash('sha256').update(ref).digest();
  let bits = 0n;
  for (let i = 0; i < 7; i += 1) bits = (bits << 8n) | BigInt(digest[i]!);
  return `[ev:${(bits >> 6n).toString(32).padStart(10, '0')}]`;
}

/** A marker as it shows at the end of a note, an evidence or a comment. */
export const EVENT_MARKER = / ?\[ev:[0-9a-v]{10}\]$/;

/** The text as posted: the event's own, then its marker. */
function withMarker(text: string | undefined, ref: string): string {
  return text ? `${text} ${markerFor(ref)}` : markerFor(ref);
}

/** The text a post carried before its marker (for readers of VTEX's record: tests, the chaos run). */
export function withoutMarker(text: string): string {
  return text.replace(EVENT_MARKER, '');
}

export type VtexActivities = ReturnType<typeof createVtexActivities>;
