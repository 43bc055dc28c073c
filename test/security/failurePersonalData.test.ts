/**
 * Partners' error answers name customers: a refused recipient's name, phone, address, document.
 * What is kept of them in an activity failure (its message and details, which the SDK logs when
 * the activity fails) is the status, the partner's codes and the fields it named: never the text
 * (security/redact.ts `partnerErrorSummary`, used by activities/failures.ts).
 */
import { failureFor } from '../../activities/failures';
import { partnerErrorSummary, redactPersonalData } from '../../security/redact';

const customer = {
  name: 'Iracema Quitéria Bastos',
  phone: '+55 11 98765-4321',
  street: 'Rua Zeferino Vaz, 123',
  document: '123.456.789-09',
  email: 'iracema.bastos@example.org',
};
const personal = Object.values(customer);
const answer = {
  message: `Recipient ${customer.name} (${customer.phone}, ${customer.email}) cannot be served at ${customer.street}`,
  code: 'INVALID_RECIPIENT',
  requestId: 'req-9f1c',
  error: { code: 'ADDRESS_OUT_OF_AREA', message: `No coverage for ${customer.street}` },
  errors: [
    { field: 'recipient.phone_number', message: `${customer.phone} is not a mobile number`, value: customer.phone },
    { path: ['recipient', 'identification', 'number'], message: `document ${customer.document} invalid` },
  ],
  recipient: { name: customer.name, document: customer.document },
};

describe('partner error answers, as kept in failures and logs', () => {
  it('keep the status, the codes and the fields named, and no personal data', () => {
    const failure = failureFor({ system: 'Delivery Engine', method: 'POST', path: '/jobs', status: 422, body: answer });
    const kept = JSON.stringify({ message: failure.message, details: failure.details });
    for (const value of personal) expect([value, kept.includes(value)]).toEqual([value, false]);
    expect(failure.message).toBe(
      'Delivery Engine POST /jobs answered 422: code=INVALID_RECIPIENT, error.code=ADDRESS_OUT_OF_AREA, requestId=req-9f1c; fields recipient.phone_number, recipient.identification.number',
    );
    expect(failure.details).toEqual([
      {
        status: 422,
        body: {
          code: 'INVALID_RECIPIENT',
          'error.code': 'ADDRESS_OUT_OF_AREA',
          requestId: 'req-9f1c',
          fields: ['recipient.phone_number', 'recipient.identification.number'],
        },
      },
    ]);
  });

  it('keep nothing of a bare text answer but its status', () => {
    expect(partnerErrorSummary(`Recipient ${customer.name} refused`)).toEqual({});
    expect(failureFor({ system: 'VTEX', method: 'PATCH', path: '/x', status: 500, body: 'oops' }).message).toBe(
      'VTEX PATCH /x answered 500',
    );
  });

  it('scrub phones, e-mails and documents from free text meant for a log line', () => {
    const text = `refused: call ${customer.phone} or (11) 3456-7890, write ${customer.email}, CPF ${customer.document}, CNPJ 12.345.678/0001-95, CEP 01310-100`;
    const scrubbed = redactPersonalData(text);
    for (const value of [
      customer.phone,
      '3456-7890',
      customer.email,
      customer.document,
      '12.345.678/0001-95',
      '01310-100',
    ])
      expect([value, scrubbed.includes(value)]).toEqual([value, false]);
    expect(scrubbed).toMatch(/^refused: call \[phone\]/);
    // Ids stay readable: they are what an operator correlates by.
    const ids = 'delivery vtex-SLR-1-aaaaaaaaaa job 550e8400-e29b-41d4-a716-446655440000 answered 422';
    expect(redactPersonalData(ids)).toBe(ids);
  });
});
