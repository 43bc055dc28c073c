/**
 * The JWTs of POST /token: real HS256 tokens (jose) signed with a secret of this sandbox run, so a
 * token from another run, or a forged one, is refused like VTEX would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';

export type TokenCheck = { ok: true } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export class TokenIssuer {
  private readonly secret = new Uint8Array(randomBytes(32));
  private readonly issued = new Set<string>();
  /** tokens made expired early (`expireAll`), by their jti */
  private readonly expiredEarly = new Set<string>();

  constructor(private readonly ttlSeconds: number) {}

  async issue(): Promise<string> {
    const jti = randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    this.issued.add(jti);
    // The seed's token carries a hostname claim; ours names the sandbox.
    return new SignJWT({ hostname: 'delivery-bridge-sandbox' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.secret);
  }

  async check(token: string | undefined): Promise<TokenCheck> {
    if (!token) return { ok: false, reason: 'missing' };
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] });
      if (payload.jti !== undefined && this.expiredEarly.has(payload.jti)) return { ok: false, reason: 'expired' };
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  /** Makes every token issued so far expired now; returns how many. */
  expireAll(): number {
    for (const jti of this.issued) this.expiredEarly.add(jti);
    const count = this.issued.size;
    this.issued.clear();
    return count;
  }
}
