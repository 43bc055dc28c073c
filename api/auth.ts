/** `Authorization: Bearer <INTAKE_TOKEN>` on every intake call, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from './errors';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function requireBearer(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    // Hashing first gives equal lengths, so the comparison time says nothing about the token.
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      next(unauthorized());
      return;
    }
    next();
  };
}
