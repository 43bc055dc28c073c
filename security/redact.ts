/**
 * Partners' error answers may echo what we sent them (a header, our key, the token in a "token
 * expired" message) and name the people of a delivery (recipient, driver, address, document).
 * Such an answer reaches the activity's failure (message and details), which the SDK logs when the
 * activity fails and operators read decoded: only its codes and field paths are kept
 * (`partnerErrorSummary`); credentials inside kept text are cut out (`redactText`).
 */
export const REDACTED = '[redacted]';

/** Bearer / Basic credentials and JWTs inside free text. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[\w\-.~+/=]{6,}/gi, `$1 ${REDACTED}`)
    .replace(/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, REDACTED);
}

/**
 * Fields of a partner's error answer that say what went wrong without naming anyone: codes and the
 * partner's request id. Free text (`message`, ...) is never kept: it names the recipient, the
 * driver, the street, the document, and no pattern can find every name.
 */
const ERROR_CODE_FIELDS = [
  'code',
  'error_code',
  'errorCode',
  'error',
  'type',
  'status',
  'statusCode',
  'requestId',
  'request_id',
];
/** A code, not a sentence: no spaces, short. */
const CODE_LIKE = /^[A-Za-z0-9][\w.:/-]{0,79}$/;
/** Where a partner lists per-field errors, and what it calls the field. */
const ERROR_LISTS = ['errors', 'details', 'fieldErrors', 'issues', 'violations'];
const FIELD_KEYS = ['field', 'path', 'property', 'param', 'loc'];
const FIELD_PATH = /^[A-Za-z_][\w.[\]-]{0,99}$/;

export type PartnerErrorSummary = Record<string, string | number | string[]>;

function codesOf(value: unknown, prefix: string, out: PartnerErrorSummary): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key of ERROR_CODE_FIELDS) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[`${prefix}${key}`] = v;
    else if (typeof v === 'string' && CODE_LIKE.test(v)) out[`${prefix}${key}`] = redactText(v);
    else if (key === 'error' && prefix === '') codesOf(v, 'error.', out);
  }
}

function fieldOf(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  for (const key of FIELD_KEYS) {
    const v = (entry as Record<string, unknown>)[key];
    const path = Array.isArray(v) && v.every((s) => typeof s === 'string' || typeof s === 'number') ? v.join('.') : v;
    if (typeof path === 'string' && FIELD_PATH.test(path)) return path;
  }
  return undefined;
}

/**
 * What may be kept of a partner's error answer where people read it (failure messages, details,
 * logs): its codes (`code`, `error`, `requestId`, ... and `error.code` one level down) and the
 * field paths its error lists name. Never its text, and nothing of a bare text answer.
 */
export function partnerErrorSummary(body: unknown): PartnerErrorSummary {
  const out: PartnerErrorSummary = {};
  codesOf(body, '', out);
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const fields = ERROR_LISTS.flatMap((key) => {
      const list = (body as Record<string, unknown>)[key];
      return Array.isArray(list) ? list.map(fieldOf).filter((f): f is string => f !== undefined) : [];
    });
    if (fields.length > 0) out.fields = [...new Set(fields)].slice(0, 20);
  }
  return out;
}

/** The summary as a line: `code=X, requestId=Y; fields a.b, c`; empty when there is nothing. */
export function describePartnerError(summary: PartnerErrorSummary): string {
  const { fields, ...codes } = summary;
  const parts = Object.entries(codes).map(([k, v]) => `${k}=${String(v)}`);
  const named = Array.isArray(fields) && fields.length > 0 ? `fields ${fields.join(', ')}` : '';
  return [parts.join(', '), named].filter(Boolean).join('; ');
}

/**
 * Free text bound for a log line with phones, e-mail addresses and formatted documents (CPF, CNPJ,
 * CEP) replaced. A belt, not the rule: names have no pattern, so text from partners is not logged
 * at all (partnerErrorSummary); this catches what our own messages might quote.
 */
export function redactPersonalData(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\b\d{2}\.?\d{3}\.?\d{3}\/\d{4}-?\d{2}\b/g, '[document]')
    .replace(/\b\d{3}\.\d{3}\.\d{3}-\d{2}\b/g, '[document]')
    .replace(/\+\d{1,3}[\s.-]?(\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}\b/g, '[phone]')
    .replace(/\(\d{2,3}\)\s?\d{4,5}[\s.-]?\d{4}\b/g, '[phone]')
    .replace(/(^|[^\w-])\d{5}-\d{3}(?![\w-])/g, '$1[postcode]');
}
