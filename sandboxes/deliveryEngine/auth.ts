/** Every engine path wants `Authorization: Bearer <apiKey>` (docs/partners.md "Delivery Engine"). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export function requireApiKey(apiKey: string) {
  const expected = digest(apiKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization')?.trim() ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) return next();
    res.status(401).json({ message: 'Unauthorized' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
