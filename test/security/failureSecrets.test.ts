import { failureFor } from '../../activities/failures';

describe('partner answers kept in failure details', () => {
  it('lose the secrets a partner echoed, in the details and in the message, and keep the rest', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJyaWVyIn0.c2lnbmF0dXJlLW9mLXRlc3Q';
    const failure = failureFor({
      system: 'marketplace',
      method: 'POST',
      path: '/v1/delivery/confirmed',
      status: 401,
      body: {
        message: `invalid credentials: Bearer abc123secretvalue (token ${jwt})`,
        request: { headers: { Authorization: 'Bearer abc123secretvalue', 'x-abbiamo-carrier-key': 'carrier-key-42' } },
        apiKey: 'engine-key-99',
        delivery_id: 'd-1',
      },
    });
    const kept = JSON.stringify({ message: failure.message, details: failure.details });
    for (const secret of ['abc123secretvalue', 'carrier-key-42', 'engine-key-99', jwt])
      expect(kept).not.toContain(secret);
    expect(kept).toContain('d-1');
    expect(kept).toContain('invalid credentials');
    expect(failure.details![0]).toMatchObject({
      status: 401,
      body: {
        request: { headers: { Authorization: '[redacted]', 'x-abbiamo-carrier-key': '[redacted]' } },
        apiKey: '[redacted]',
      },
    });
  });
});
