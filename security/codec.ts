/**
 * Encryption at rest in Temporal: a PayloadCodec that turns every payload our processes send
 * (workflow inputs, signals, updates, query answers, activity inputs and results, memo, failure
 * details) into AES-256-GCM ciphertext before it leaves the process. Temporal's history,
 * database, Web UI and CLI only ever hold the ciphertext; an operator reads it through the codec
 * server (scripts/codec-server.ts), which holds the same key ring.
 *
 * An encrypted payload: metadata `encoding: binary/encrypted`, `encryption-key-id: <id>`; data
 * `<12-byte IV><ciphertext><16-byte tag>` of the original Payload protobuf. The key id is
 * authenticated as additional data, so a payload relabelled with another key id does not open.
 *
 * Key ring: the first key encrypts, every key decrypts (rotation, docs/security.md). A payload
 * without our encoding (recorded histories, payloads written before the codec) is passed through
 * as is, so old deliveries and test/histories keep decoding; the production worker refuses it
 * instead (`plaintext: 'refuse'`): every payload our processes write is encrypted, so a plaintext
 * one was sent by something without the key ring, e.g. a forged signal (docs/security.md).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** A key ring whose text cannot be used: names what is wrong, never the key. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/**
 * `id:base64key,id:base64key,...`, newest first; each key 32 bytes (base64 or base64url).
 * `openssl rand -base64 32` makes one.
 */
export function parseKeyRing(text: string): CodecKey[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw new KeyRingError('must hold at least one id:base64key');
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const encoded = colon < 0 ? '' : entry.slice(colon + 1);
    if (!KEY_ID_PATTERN.test(id))
      throw new KeyRingError(`entry ${i + 1} must look like id:base64key (id: letters, digits, . _ -)`);
    if (seen.has(id)) throw new KeyRingError(`key id ${id} appears twice`);
    seen.add(id);
    const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (key.length !== KEY_BYTES)
      throw new KeyRingError(`key ${id} must be ${KEY_BYTES} bytes, base64 (got ${key.length})`);
    return { id, key };
  });
}

export function formatKeyRing(keys: CodecKey[]): string {
  return keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
}

/**
 * The development key ring: fixed and public, so sandbox data survives restarts and every dev
 * process agrees. Production refuses to run on it (config/index.ts).
 */
export const DEV_KEY_RING = formatKeyRing([
  {
    id: 'dev-1',
    key: createHash('sha256').update('delivery-bridge development codec key (public, not a secret)').digest(),
  },
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecOptions {
  /** A payload without our encoding: passed through (default), or refused (the production worker). */
  plaintext?: 'pass' | 'refuse';
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: CodecKey;
  private readonly refusePlaintext: boolean;

  constructor(keys: CodecKey[], options: CodecOptions = {}) {
    if (keys.length === 0) throw new KeyRingError('must hold at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.refusePlaintext = options.plaintext === 'refuse';
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(encoder.encode(id));
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(id) },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) {
      // Not ours: sent without the key ring (a forged signal, when refused), or recorded histories
      // and payloads written before the codec (passed as is). The content is never named.
      if (this.refusePlaintext)
        throw new ValueError('plaintext payload refused: every payload of this bridge is encrypted (docs/security.md)');
      return payload;
    }
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new ValueError('encrypted payload without a key id');
    const id = decoder.decode(idBytes);
    const key = this.byId.get(id);
    if (!key) throw new ValueError(`encrypted payload under key ${JSON.stringify(id)}, which is not in the key ring`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(idBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(`encrypted payload under key ${id} does not authenticate (altered, or another key)`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** The key id a payload was encrypted with, or undefined when it is not encrypted by us. */
export function payloadKeyId(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return undefined;
  const id = payload.metadata?.[KEY_ID_METADATA];
  return id ? decoder.decode(id) : undefined;
}
