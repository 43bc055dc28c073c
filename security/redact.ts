/**
 * Partners sometimes echo what we sent them in an error answer (a header, our key, the token in
 * a "token expired" message). Such an answer is kept in the activity's failure (message and
 * details), which the codec encrypts but operators read decoded: the secrets are cut out first.
 */
const SECRET_FIELD =
  /authorization|token|jwt|secret|password|senha|api[-_]?key|carrier[-_]?key|webhook[-_]?key|^key$|x-.*-key/i;
export const REDACTED = '[redacted]';

/** Bearer / Basic credentials and JWTs inside free text. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[\w\-.~+/=]{6,}/gi, `$1 ${REDACTED}`)
    .replace(/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, REDACTED);
}

/** The value with secret-looking fields and credentials in text replaced; the shape stays. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_FIELD.test(k) && v !== null && v !== undefined && typeof v !== 'boolean'
        ? REDACTED
        : redactSecrets(v, depth + 1),
    ]),
  );
}
