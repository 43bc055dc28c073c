/**
 * Secrets never leave a sandbox: recorded calls and logs show "[masked]" in their place, so a call
 * list can be pasted into an issue as is.
 */
export const MASK = '[masked]';

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'apikey',
  'x-abbiamo-carrier-key',
]);

/** Header names as Node gives them (lower case); multi-valued headers joined with ", ". */
export function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? MASK : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Masks `apiKey` wherever it appears, and the `key` of the engine's `external_data` targets (each
 * job's webhook secret). Returns a copy; the original body is left untouched.
 */
export function maskBody(body: unknown): unknown {
  return maskValue(body, []);
}

function maskValue(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskValue(item, [...path, String(i)]));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretField(key, path) ? MASK : maskValue(inner, [...path, key]);
  }
  return out;
}

function isSecretField(key: string, parents: string[]): boolean {
  if (key === 'apiKey') return true;
  return key === 'key' && parents.length >= 2 && parents[parents.length - 2] === 'external_data';
}
