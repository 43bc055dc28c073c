import { verifyWebhookKey, webhookKeyFor } from '../../contracts/webhookKey';

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
