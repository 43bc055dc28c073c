import { failureFor } from '../../activities/failures';

describe('partner answers kept in failure details', () => {
  it('lose the secrets a partner echoed, in the details and in the message, and keep its codes', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJyaWVyIn0.c2lnbmF0dXJlLW9mLXRlc3Q';
    const failure = failureFor({
      system: 'Abbiamo',
      method: 'POST',
      path: '/v1/delivery/confirmed',
      status: 401,
      body: {
        message: `invalid credentials: Bearer abc123secretvalue (token ${jwt})`,
        code: 'INVALID_CARRIER_KEY',
        request: { headers: { Authorization: 'Bearer abc123secretvalue', 'x-abbiamo-carrier-key': 'carrier-key-42' } },
        apiKey: 'engine-key-99',
        delivery_id: 'd-1',
      },
    });
    const kept = JSON.stringify({ message: failure.message, details: failure.details });
    for (const secret of ['abc123secretvalue', 'carrier-key-42', 'engine-key-99', jwt])
      expect(kept).not.toContain(secret);
    // Only what names no one and opens nothing (test/security/failurePersonalData.test.ts).
    expect(failure.message).toBe('Abbiamo POST /v1/delivery/confirmed answered 401: code=INVALID_CARRIER_KEY');
    expect(failure.details).toEqual([{ status: 401, body: { code: 'INVALID_CARRIER_KEY' } }]);
  });
});
