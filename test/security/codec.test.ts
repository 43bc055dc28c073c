import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  DEV_KEY_RING,
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  formatKeyRing,
  KEY_ID_METADATA,
  parseKeyRing,
  payloadKeyId,
} from '../../security/codec';

const keyA = { id: 'a', key: randomBytes(32) };
const keyB = { id: 'b', key: randomBytes(32) };
const customer = { name: 'Maria Aparecida Souza', phone: '+55 11 98765-4321' };
const payload = () => defaultPayloadConverter.toPayload(customer)!;
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('utf8') + Object.values(p.metadata ?? {}).join();

describe('the payload codec (AES-256-GCM, key ring)', () => {
  it('encrypts with the newest key, marks the key id, and decodes back to the same payload', async () => {
    const codec = new EncryptionCodec([keyA]);
    const [encrypted] = await codec.encode([payload()]);
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('a');
    expect(text(encrypted!)).not.toContain('Maria');
    expect(text(encrypted!)).not.toContain('98765');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(customer);
  });

  it('after rotation ([B, A]) encrypts with B and still reads what A encrypted', async () => {
    const [old] = await new EncryptionCodec([keyA]).encode([payload()]);
    const rotated = new EncryptionCodec([keyB, keyA]);
    const [fresh] = await rotated.encode([payload()]);
    expect(payloadKeyId(old!)).toBe('a');
    expect(payloadKeyId(fresh!)).toBe('b');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([customer, customer]);
  });

  it('refuses a payload whose key left the ring, a relabelled key id, and altered ciphertext', async () => {
    const [encrypted] = await new EncryptionCodec([keyA]).encode([payload()]);
    await expect(new EncryptionCodec([keyB]).decode([encrypted!])).rejects.toThrow(
      /key "a", which is not in the key ring/,
    );
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('b') } };
    await expect(new EncryptionCodec([keyB, { id: 'a', key: keyB.key }]).decode([relabelled])).rejects.toThrow(
      /does not authenticate/,
    );
    const altered = Buffer.from(encrypted!.data!);
    altered[20] = altered[20]! ^ 1;
    await expect(new EncryptionCodec([keyA]).decode([{ ...encrypted!, data: altered }])).rejects.toThrow(
      /does not authenticate/,
    );
  });

  it('passes a payload without its encoding through untouched (recorded histories, older payloads)', async () => {
    const plain = payload();
    const [decoded] = await new EncryptionCodec([keyA]).decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('refuses a plaintext payload when told to (the production worker: a forged signal), naming no content', async () => {
    const strict = new EncryptionCodec([keyA], { plaintext: 'refuse' });
    const error = await strict.decode([payload()]).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^plaintext payload refused/);
    expect((error as Error).message).not.toContain('Maria');
    // Its own ciphertext still opens.
    const [decoded] = await strict.decode(await strict.encode([payload()]));
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(customer);
  });

  it('reads the key ring from CODEC_KEYS text and names what is wrong without echoing a key', () => {
    expect(parseKeyRing(formatKeyRing([keyB, keyA])).map((k) => k.id)).toEqual(['b', 'a']);
    expect(parseKeyRing(DEV_KEY_RING)).toHaveLength(1);
    expect(() => parseKeyRing('')).toThrow(/at least one/);
    expect(() => parseKeyRing('a:c2hvcnQ=')).toThrow(/key a must be 32 bytes/);
    expect(() => parseKeyRing(`${formatKeyRing([keyA])},${formatKeyRing([keyA])}`)).toThrow(/appears twice/);
    expect(() => parseKeyRing('no-colon')).toThrow(/id:base64key/);
  });
});
