/**
 * Label URLs that need no token but cannot be guessed or altered (docs/labels.md "Signed URLs"):
 * `{publicUrl}/labels/{serviceId}/{package}.{format}?expires={epoch s}&signature={sig}`, where `sig`
 * is the base64url HMAC-SHA256, keyed with LABEL_SIGNING_KEY, of the serviceId, the package, the
 * format and the expiry. Signed by the intake API (the Create answer) and by the activity that
 * confirms to Abbiamo; checked by the label route. Workflow code never signs: it reads no secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const LABEL_FORMATS = ['pdf', 'zpl'] as const;
export type LabelFormat = (typeof LABEL_FORMATS)[number];

/** A package's number (1-based), or `all`: every package of the delivery, one page each. */
export type LabelPackage = number | 'all';

export interface LabelRef {
  serviceId: string;
  package: LabelPackage;
  format: LabelFormat;
}

/** Expiries are rounded up to this: the same label asked again within it has the same URL. */
const EXPIRY_STEP_S = 3600;

export type LabelCheck = 'valid' | 'expired' | 'invalid';

export interface LabelSigner {
  /** The label's URL, valid from `now` for the configured time (at least; rounded up to the hour). */
  url(ref: LabelRef, now?: number): string;
  /** Whether `signature` is this label's with this expiry (epoch seconds), and still valid at `now`. */
  check(ref: LabelRef, expires: number, signature: string, now?: number): LabelCheck;
}

export interface LabelSignerOptions {
  /** LABEL_SIGNING_KEY */
  key: string;
  /** LABEL_URL_TTL: how long a label URL stays valid after it was handed out. */
  ttlMs: number;
  /** PUBLIC_URL: where the platforms and the stores reach the bridge. */
  publicUrl: string;
}

export function labelPath(ref: LabelRef): string {
  return `/labels/${encodeURIComponent(ref.serviceId)}/${ref.package}.${ref.format}`;
}

export function createLabelSigner({ key, ttlMs, publicUrl }: LabelSignerOptions): LabelSigner {
  const sign = (ref: LabelRef, expires: number): Buffer =>
    // Fields joined by a byte no serviceId, package or format holds, so no two labels sign alike.
    createHmac('sha256', key).update(['label', ref.serviceId, ref.package, ref.format, expires].join('\n')).digest();
  return {
    url(ref, now = Date.now()) {
      const expires = Math.ceil((now + ttlMs) / 1000 / EXPIRY_STEP_S) * EXPIRY_STEP_S;
      return `${publicUrl}${labelPath(ref)}?expires=${expires}&signature=${sign(ref, expires).toString('base64url')}`;
    },
    check(ref, expires, signature, now = Date.now()) {
      // Compared as text: base64url's last character has spare bits, so decoding would take variants.
      const given = Buffer.from(signature);
      const wanted = Buffer.from(sign(ref, expires).toString('base64url'));
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'invalid';
      return expires * 1000 > now ? 'valid' : 'expired';
    },
  };
}
