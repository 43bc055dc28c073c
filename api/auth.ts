/**
 * Who may call what (docs/security.md "Callers"): every intake caller sends
 * `Authorization: Bearer <token>`, and each token belongs to one or more roles:
 * - `vtex`: VTEX's Create / Cancel / Pause service routes (everything under /vtex);
 * - `marketplace`: POST /marketplace/events;
 * - `operator`: reads and commands (/deliveries, /routes) and the codec server.
 * Several tokens per role (VTEX_TOKENS, MARKETPLACE_TOKENS, OPERATOR_TOKENS) let a token be
 * rotated without downtime; a role without its own tokens takes INTAKE_TOKEN (development).
 * A wrong or missing token is a 401; a good token on another role's route is a 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { CallerRole, CallerTokens } from '../config';
import { HttpError, unauthorized } from './errors';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The roles of a presented token; compared in constant time against every known token. */
export type TokenRoles = (presented: string) => Set<CallerRole>;

export function tokenRoles(callers: CallerTokens): TokenRoles {
  const known = Object.entries(callers).flatMap(([role, tokens]) =>
    tokens.filter((t) => t.length > 0).map((t) => ({ role: role as CallerRole, hash: digest(t) })),
  );
  return (presented) => {
    const hash = digest(presented);
    const roles = new Set<CallerRole>();
    // Every entry is compared, matching or not: the time says nothing about which token matched.
    for (const entry of known) if (timingSafeEqual(hash, entry.hash)) roles.add(entry.role);
    return roles;
  };
}

export function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec((header ?? '').trim())?.[1];
}

const WHAT: Record<CallerRole, string> = {
  vtex: "VTEX's service routes",
  marketplace: "Abbiamo's events",
  operator: 'operator reads and commands',
};

/** Lets the request through only with a token of `role`. */
export function requireRole(roles: TokenRoles, role: CallerRole): RequestHandler {
  return (req, _res, next) => {
    const token = bearerOf(req.get('authorization'));
    const held = token === undefined ? new Set<CallerRole>() : roles(token);
    if (held.size === 0) {
      next(unauthorized());
      return;
    }
    if (!held.has(role)) {
      next(new HttpError(403, `This token may not call ${WHAT[role]}`));
      return;
    }
    next();
  };
}
