/**
 * Sealing of platform secrets that must travel through workflow history (Abbiamo's
 * callback headers): AES-256-GCM under a key derived from SECRETS_KEY. History, the Web UI and
 * logs only ever see the sealed text; the activity that calls the platform unseals it in memory.
 *
 * Sealed text: `v1.<iv>.<ciphertext>.<tag>` (base64url). The `context` (the delivery's serviceId)
 * is authenticated as additional data, so a sealed value only opens for the delivery it was
 * sealed for: copied into another workflow's input it is refused like a tampered one.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed derivation parameters: changing them makes every open delivery's secrets unreadable. */
const HKDF_SALT = 'delivery-bridge/sealing';
const HKDF_INFO = 'aes-256-gcm v1';

/** A sealed value that does not open: wrong key, wrong context, altered or truncated text. */
export class UnsealError extends Error {
  constructor(reason: string) {
    super(`sealed secret cannot be opened: ${reason}`);
    this.name = 'UnsealError';
  }
}

export interface Sealer {
  seal(plaintext: string, context: string): string;
  unseal(sealed: string, context: string): string;
  sealJson(value: unknown, context: string): string;
  unsealJson<T>(sealed: string, context: string): T;
}

export function createSealer(secretsKey: string): Sealer {
  // SECRETS_KEY is checked for length by config; a derived default may be shorter, HKDF spreads it.
  if (secretsKey.length === 0) throw new Error('the secrets key must not be empty');
  const key = Buffer.from(hkdfSync('sha256', secretsKey, HKDF_SALT, HKDF_INFO, 32));

  const sealer: Sealer = {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        VERSION,
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },

    unseal(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new UnsealError(`not a ${VERSION} sealed value`);
      const iv = Buffer.from(parts[1]!, 'base64url');
      const ciphertext = Buffer.from(parts[2]!, 'base64url');
      const tag = Buffer.from(parts[3]!, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new UnsealError('malformed');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only "does not authenticate": a wrong key, context or altered text look alike.
        throw new UnsealError('it does not authenticate (other key, other delivery, or altered)');
      }
    },

    sealJson(value, context) {
      return sealer.seal(JSON.stringify(value), context);
    },

    unsealJson<T>(sealed: string, context: string): T {
      return JSON.parse(sealer.unseal(sealed, context)) as T;
    },
  };
  return sealer;
}
