/**
 * The tracking hook's authentication: `Authorization: <jwt>` as VTEX's guide shows (the raw JWT), and,
 * leniently, `Bearer <jwt>`. Expired tokens are refused the way the run was asked to (401 or 403).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { TOKEN_EXPIRED_MESSAGE } from '../../contracts/vtex';
import type { TokenIssuer } from './tokens';

export function requireJwt(issuer: TokenIssuer, expiredStatus: () => 401 | 403) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization')?.trim();
    const token = header?.replace(/^Bearer\s+/i, '');
    const check = await issuer.check(token);
    if (check.ok) return next();
    if (check.reason === 'expired') {
      const status = expiredStatus();
      res
        .status(status)
        .json(
          status === 403
            ? { message: TOKEN_EXPIRED_MESSAGE, requestId: randomUUID() }
            : { message: TOKEN_EXPIRED_MESSAGE },
        );
      return;
    }
    res
      .status(401)
      .json({ message: check.reason === 'missing' ? 'Required authentication' : 'Invalid authentication token' });
  };
}
