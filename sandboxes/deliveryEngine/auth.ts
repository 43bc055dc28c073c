/** Every Instaleap path wants `x-api-key: <apiKey>` (docs/partners.md "Delivery Engine"). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export function requireApiKey(apiKey: string) {
  const expected = digest(apiKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-api-key')?.trim();
    if (given && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).json({ message: 'Unauthorized' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
