import { createHmac } from 'node:crypto';
import { signatureFor, verifySignature, verifyWebhookKey, webhookKeyFor } from '../../contracts/webhookKey';

describe('job webhook keys', () => {
  const secret = 'a-secret-of-enough-length';

  it('open only their own job: the serviceId comes back for the right client_reference', () => {
    const key = webhookKeyFor(secret, 'vtex-A-abc', 'ORDER-1');
    expect(verifyWebhookKey(secret, key, 'ORDER-1')).toBe('vtex-A-abc');
    expect(verifyWebhookKey(secret, key, 'ORDER-2')).toBeUndefined();
  });

  it('refuse a forged serviceId, another secret, a missing or malformed key', () => {
    const key = webhookKeyFor(secret, 'vtex-A-abc', 'ORDER-1');
    const forged = `vtex-B-xyz${key.slice(key.lastIndexOf('.'))}`;
    expect(verifyWebhookKey(secret, forged, 'ORDER-1')).toBeUndefined();
    expect(verifyWebhookKey('another-secret-value', key, 'ORDER-1')).toBeUndefined();
    expect(verifyWebhookKey(secret, undefined, 'ORDER-1')).toBeUndefined();
    expect(verifyWebhookKey(secret, 'no-dot-here', 'ORDER-1')).toBeUndefined();
    expect(verifyWebhookKey(secret, `${key}x`, 'ORDER-1')).toBeUndefined();
  });
});

describe("Instaleap's webhook signature", () => {
  const secret = 'instaleap-secret';
  const event = { id: 'evt-1', created_at: '2026-12-06T10:00:00.000Z', type: 'ALLOCATED' };

  it('is the hex HMAC-SHA256 of "{id}&{created_at}&{type}", checked in any case', () => {
    const expected = createHmac('sha256', secret).update('evt-1&2026-12-06T10:00:00.000Z&ALLOCATED').digest('hex');
    expect(signatureFor(secret, event)).toBe(expected);
    expect(verifySignature(secret, expected, event)).toBe(true);
    expect(verifySignature(secret, expected.toUpperCase(), event)).toBe(true);
  });

  it('refuses another event, another secret, a missing or malformed signature', () => {
    const signature = signatureFor(secret, event);
    expect(verifySignature(secret, signature, { ...event, type: 'CLIENT_RECEIVED' })).toBe(false);
    expect(verifySignature('another-secret', signature, event)).toBe(false);
    expect(verifySignature(secret, undefined, event)).toBe(false);
    expect(verifySignature(secret, 'not-hex', event)).toBe(false);
    expect(verifySignature(secret, signature.slice(2), event)).toBe(false);
  });
});
