/**
 * Label URLs need no token but cannot be guessed or altered (labels/sign.ts): the URL handed out
 * checks, any change to the delivery, package, format, expiry or signature does not, and a URL past
 * its expiry is expired; the ids VTEX gets are stable per package and format.
 */
import { ConfigError, DEV_LABEL_SIGNING_KEY, parseEnv, resolveConfig } from '../../../config';
import { createLabelSigner, type LabelRef } from '../../../security/labelSigning';
import { mailLabelUrl, vtexLabels } from '../../../security/labelLinks';
import { withoutLabelSignature } from '../../../api/labels/route';

const HOUR = 3600_000;
const signer = createLabelSigner({ key: 'k'.repeat(32), ttlMs: 36 * HOUR, publicUrl: 'https://bridge.example' });
const now = Date.parse('2026-12-06T20:15:00.000Z');
const ref: LabelRef = { serviceId: 'vtex-SLR-1-abcdefghij', package: 2, format: 'pdf' };

function parts(url: string) {
  const u = new URL(url);
  return {
    path: u.pathname,
    expires: Number(u.searchParams.get('expires')),
    signature: u.searchParams.get('signature')!,
  };
}

describe('a signed label URL', () => {
  const { path, expires, signature } = parts(signer.url(ref, now));

  it('names the label, expires at least the configured time later (rounded up to the hour), and checks', () => {
    expect(path).toBe('/labels/vtex-SLR-1-abcdefghij/2.pdf');
    expect(expires * 1000 - now).toBeGreaterThanOrEqual(36 * HOUR);
    expect(expires * 1000 - now).toBeLessThan(37 * HOUR);
    expect((expires * 1000) % HOUR).toBe(0);
    expect(signer.check(ref, expires, signature, now)).toBe('valid');
    // Asked again within the hour: the same URL.
    expect(signer.url(ref, now + 60_000)).toBe(signer.url(ref, now));
  });

  it.each<[string, LabelRef]>([
    ['another delivery', { ...ref, serviceId: 'vtex-SLR-2-abcdefghij' }],
    ['another package', { ...ref, package: 3 }],
    ['every package', { ...ref, package: 'all' }],
    ['another format', { ...ref, format: 'zpl' }],
  ])('does not open %s', (_what, other) => {
    expect(signer.check(other, expires, signature, now)).toBe('invalid');
  });

  it('does not open with a later expiry, an altered, truncated or re-encoded signature, or another key', () => {
    expect(signer.check(ref, expires + 3600, signature, now)).toBe('invalid');
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    expect(signer.check(ref, expires, flipped, now)).toBe('invalid');
    expect(signer.check(ref, expires, signature.slice(0, -1), now)).toBe('invalid');
    expect(signer.check(ref, expires, Buffer.from(signature, 'base64url').toString('base64'), now)).toBe('invalid');
    expect(signer.check(ref, expires, '', now)).toBe('invalid');
    const other = createLabelSigner({ key: 'o'.repeat(32), ttlMs: 36 * HOUR, publicUrl: 'https://bridge.example' });
    expect(other.check(ref, expires, signature, now)).toBe('invalid');
  });

  it('is logged by the intake without its signature', () => {
    const url = signer.url(ref, now).slice('https://bridge.example'.length);
    expect(withoutLabelSignature(url)).toBe(`${path}?expires=${expires}&signature=[redacted]`);
    expect(withoutLabelSignature('/vtex/services?signature=x')).toBe('/vtex/services?signature=x');
  });

  it('is expired once its time has passed', () => {
    expect(signer.check(ref, expires, signature, expires * 1000 - 1)).toBe('valid');
    expect(signer.check(ref, expires, signature, expires * 1000)).toBe('expired');
  });
});

describe('the labels handed to the platforms', () => {
  it('lists, for VTEX, a PDF and a ZPL per package with ids stable per package and format', () => {
    const first = vtexLabels(signer, ref.serviceId, 2, now);
    const later = vtexLabels(signer, ref.serviceId, 2, now + 5 * HOUR);
    expect(first.map((l) => [l.id, l.type, l.name])).toEqual([
      ['vtex-SLR-1-abcdefghij-1-pdf', 'PDF', 'Package 1 of 2 (PDF)'],
      ['vtex-SLR-1-abcdefghij-1-zpl', 'ZPL', 'Package 1 of 2 (ZPL)'],
      ['vtex-SLR-1-abcdefghij-2-pdf', 'PDF', 'Package 2 of 2 (PDF)'],
      ['vtex-SLR-1-abcdefghij-2-zpl', 'ZPL', 'Package 2 of 2 (ZPL)'],
    ]);
    expect(later.map((l) => l.id)).toEqual(first.map((l) => l.id));
    expect(first[3]!.url).toMatch(
      /^https:\/\/bridge\.example\/labels\/vtex-SLR-1-abcdefghij\/2\.zpl\?expires=\d+&signature=[\w-]{43}$/,
    );
  });

  it("gives Abbiamo's mail_label the PDF of every package", () => {
    expect(parts(mailLabelUrl(signer, 'mkt-D1', now)).path).toBe('/labels/mkt-D1/all.pdf');
  });
});

describe('the label configuration', () => {
  const sandboxes = {
    vtex: 'http://127.0.0.1:1',
    deliveryEngine: 'http://127.0.0.1:1',
    abbiamo: 'http://127.0.0.1:1',
  };

  it('defaults, in development, to the development key, 36 h and a generic carrier name', () => {
    expect(resolveConfig(parseEnv({}), sandboxes).labels).toEqual({
      signingKey: DEV_LABEL_SIGNING_KEY,
      urlTtlMs: 36 * HOUR,
      carrierName: 'Delivery Bridge',
    });
  });

  it('takes its own key, lifetime, carrier name and logo', () => {
    const env = parseEnv({
      LABEL_SIGNING_KEY: 'x'.repeat(32),
      LABEL_URL_TTL: '90m',
      LABEL_CARRIER_NAME: 'Rápido Entregas',
      LABEL_CARRIER_LOGO: '/etc/carrier/logo.png',
    });
    expect(resolveConfig(env, sandboxes).labels).toEqual({
      signingKey: 'x'.repeat(32),
      urlTtlMs: 90 * 60_000,
      carrierName: 'Rápido Entregas',
      logoPath: '/etc/carrier/logo.png',
    });
  });

  it('refuses a short key without echoing it, and a lifetime that is no time span', () => {
    expect(() => parseEnv({ LABEL_SIGNING_KEY: 'short-secret' })).toThrow(
      new ConfigError('LABEL_SIGNING_KEY', 'must be at least 32 characters'),
    );
    expect(() => parseEnv({ LABEL_URL_TTL: 'a day' })).toThrow(
      /^Invalid configuration: LABEL_URL_TTL must be a time span/,
    );
  });
});
