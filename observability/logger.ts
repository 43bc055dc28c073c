/**
 * Structured logs (pino). Secrets and the personal data an operator does not need are redacted by
 * path, wherever they appear in a logged object.
 */
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'Authorization',
  'token',
  'jwt',
  'apiKey',
  'key',
  'headers',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.jwt',
  '*.apiKey',
  '*.key',
  '*.headers',
  '*.x-api-key',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'logistic_data',
  '*.logistic_data',
  '*.*.logistic_data',
  '*.*.headers',
  // Abbiamo callback headers, sealed: harmless, but nothing to print either.
  'sealedHeaders',
  '*.sealedHeaders',
  '*.*.sealedHeaders',
  '*.recipient',
  '*.receiver',
  '*.customer',
  // The delivery PIN (docs/security.md): never in a log line, wherever it sits.
  'deliveryCode',
  '*.deliveryCode',
  '*.*.deliveryCode',
  'delivery_code',
  '*.delivery_code',
  '*.*.delivery_code',
];

/**
 * JSON lines by default (what log collectors want); human-readable lines when LOG_FORMAT=pretty,
 * or when a person watches a terminal outside production.
 */
function prettyWanted(): boolean {
  const format = process.env.LOG_FORMAT;
  if (format) return format === 'pretty';
  return Boolean(process.stdout.isTTY) && process.env.NODE_ENV !== 'production';
}

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const destination =
    options.destination ??
    (level !== 'silent' && prettyWanted()
      ? pino.transport({
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
        })
      : undefined);
  return pino(
    {
      name: options.name ?? 'delivery-bridge',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
