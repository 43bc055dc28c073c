/** POST /token (VTEX's guide "Create token"): the apiKey in, a JWT out. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { TokenRequest } from '../../contracts/vtex';
import { parseOr400 } from '../common/errors';
import type { ResolvedVtexOptions } from './options';
import type { TokenIssuer } from './tokens';

export function createTokenRouter(issuer: TokenIssuer, options: ResolvedVtexOptions): Router {
  const router = Router();
  const expected = digest(options.apiKey);
  router.post('/token', async (req, res) => {
    const { apiKey } = parseOr400(TokenRequest, req.body);
    if (!timingSafeEqual(digest(apiKey), expected)) {
      res.status(401).json({ message: 'Invalid API key' });
      return;
    }
    const jwt = await issuer.issue();
    if (options.tokenResponseShape === 'string') res.json(jwt);
    else res.json({ message: 'success', data: jwt });
  });
  return router;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
