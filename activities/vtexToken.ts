/**
 * VTEX's JWT, shared by every activity of the worker process (docs/partners.md "VTEX"): taken from
 * `POST {VTEX_AUTH_URL}/token`, reused until shortly before it expires or until a call says it is
 * no longer good, then renewed once for all callers at the same time. Never logged, never returned
 * to a workflow.
 */
import { decodeJwt } from 'jose';
import { ApplicationFailure } from '@temporalio/common';
import { tokenFromResponse } from '../contracts/vtex';
import type { TokenRenewalMetrics, TokenRenewalReason } from '../observability/metrics/worker';
import { FailureType } from './failures';
import type { HttpClient } from './http';

/** Renew this long before `exp`, so a token never expires on the way. */
const RENEW_BEFORE_MS = 60_000;
/** When the JWT carries no readable `exp`, assume the seed's 15 minutes. */
const DEFAULT_TTL_MS = 15 * 60_000;

export class VtexTokenCache {
  private current?: { token: string; renewAt: number };
  private pending?: Promise<string>;
  /** Why the next renewal happens, when VTEX refused the token held (`invalidate`). */
  private rejected = false;
  /** Tokens issued so far; tests read it. */
  issued = 0;
  private readonly now: () => number;
  private readonly metrics?: TokenRenewalMetrics;

  constructor(
    private readonly auth: HttpClient,
    private readonly apiKey: string,
    options: { now?: () => number; metrics?: TokenRenewalMetrics } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics;
  }

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return this.current.token;
    return this.renew();
  }

  /** Drop `token` if it is still the current one (another caller may have renewed already). */
  invalidate(token: string): void {
    if (this.current?.token === token) {
      this.current = undefined;
      this.rejected = true;
    }
  }

  private renew(): Promise<string> {
    if (!this.pending) {
      const reason: TokenRenewalReason = this.rejected ? 'rejected' : this.issued === 0 ? 'first' : 'expiring';
      this.pending = this.fetchToken()
        .then(
          (token) => {
            this.rejected = false;
            this.metrics?.renewed(reason, 'ok');
            return token;
          },
          (err: unknown) => {
            this.metrics?.renewed(reason, 'failed');
            throw err;
          },
        )
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const response = await this.auth.send({
      method: 'POST',
      path: '/token',
      json: { apiKey: this.apiKey },
      timeoutMs: 5000,
    });
    if (response.status === 401 || response.status === 403) {
      throw ApplicationFailure.create({
        type: FailureType.Unauthorized,
        message: `VTEX POST /token refused the API key (${response.status}): check VTEX_API_KEY`,
        nonRetryable: false,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      throw ApplicationFailure.create({
        type: FailureType.ServerError,
        message: `VTEX POST /token answered ${response.status}`,
        nonRetryable: false,
      });
    }
    let token: string;
    try {
      token = tokenFromResponse(response.body);
    } catch {
      throw ApplicationFailure.create({
        type: FailureType.InvalidResponse,
        message: 'VTEX POST /token answered without a token',
        nonRetryable: false,
      });
    }
    this.current = { token, renewAt: this.renewTime(token) };
    this.issued += 1;
    return token;
  }

  private renewTime(token: string): number {
    const now = this.now();
    try {
      const { exp, iat } = decodeJwt(token);
      if (typeof exp === 'number') {
        // Renew a minute early, or at 80 % of a lifetime shorter than that margin.
        const lifetime = typeof iat === 'number' ? (exp - iat) * 1000 : exp * 1000 - now;
        const margin = Math.min(RENEW_BEFORE_MS, lifetime * 0.2);
        return exp * 1000 - margin;
      }
    } catch {
      // Opaque token: fall through to the default lifetime.
    }
    return now + DEFAULT_TTL_MS - RENEW_BEFORE_MS;
  }
}
