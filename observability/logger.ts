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
  '*.x-webhook-key',
  'req.headers.authorization',
  'req.headers["x-webhook-key"]',
  'logistic_data',
  '*.logistic_data',
  '*.*.logistic_data',
  '*.*.headers',
  // Marketplace callback headers, sealed: harmless, but nothing to print either.
  'sealedHeaders',
  '*.sealedHeaders',
  '*.*.sealedHeaders',
  '*.recipient',
  '*.receiver',
  '*.customer',
];

export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'delivery-bridge',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };
