import { createSealer, UnsealError } from '../../security/sealing';

describe('sealing of platform secrets (AES-256-GCM)', () => {
  const sealer = createSealer('a-secrets-key-of-at-least-32-characters!');
  const headers = { Authorization: 'Bearer xxx', 'X-Api-Key': 'k-123' };

  it('opens what it sealed, for the same delivery, as the same JSON', () => {
    const sealed = sealer.sealJson(headers, 'mkt-d1');
    expect(sealer.unsealJson(sealed, 'mkt-d1')).toEqual(headers);
  });

  it('never shows the secret in the sealed text, and seals the same value differently each time', () => {
    const a = sealer.sealJson(headers, 'mkt-d1');
    const b = sealer.sealJson(headers, 'mkt-d1');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('Bearer');
    expect(Buffer.from(a.split('.')[2]!, 'base64url').toString('latin1')).not.toContain('xxx');
    expect(a).not.toBe(b);
  });

  it('detects any altered byte of iv, ciphertext or tag', () => {
    const sealed = sealer.seal('Bearer xxx', 'mkt-d1');
    const parts = sealed.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      const tampered = parts.map((p, i) => (i === index ? bytes.toString('base64url') : p)).join('.');
      expect(() => sealer.unseal(tampered, 'mkt-d1')).toThrow(UnsealError);
    }
  });

  it('refuses to open a value for another delivery, or under another key', () => {
    const sealed = sealer.seal('Bearer xxx', 'mkt-d1');
    expect(() => sealer.unseal(sealed, 'mkt-d2')).toThrow(/does not authenticate/);
    expect(() => createSealer('another-secrets-key-of-32-characters-!!').unseal(sealed, 'mkt-d1')).toThrow(UnsealError);
  });

  it('refuses a truncated or foreign text, and says nothing of the secret when it does', () => {
    const sealed = sealer.seal('Bearer xxx', 'mkt-d1');
    expect(() => sealer.unseal(sealed.split('.').slice(0, 3).join('.'), 'mkt-d1')).toThrow(/not a v1 sealed value/);
    expect(() => sealer.unseal('Bearer xxx', 'mkt-d1')).toThrow(UnsealError);
    const failure = (() => {
      try {
        sealer.unseal(sealed, 'mkt-d2');
        return undefined;
      } catch (err) {
        return err as Error;
      }
    })();
    expect(failure).toBeInstanceOf(UnsealError);
    expect(failure?.message).not.toContain('xxx');
  });

  it('refuses an empty key', () => {
    expect(() => createSealer('')).toThrow(/must not be empty/);
  });
});
