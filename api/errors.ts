/**
 * Typed errors of the intake and the one middleware that answers them as
 * `{error, details: [{path, message}]}` (docs/intake-api.md).
 */
import type { ErrorRequestHandler } from 'express';
import { type z } from 'zod';
import { fieldErrors, type FieldError } from '../contracts/common';
import { MappingError, MappingErrors } from '../mapping/errors';
import type { Logger } from '../observability/logger';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details: FieldError[] = []) => new HttpError(400, message, details);
/** A 401 names what to fix like any refusal: the header that carried (or lacked) the credential. */
export const unauthorized = (
  message = 'Missing or wrong credentials',
  details: FieldError[] = [{ path: 'headers.authorization', message: 'expected Bearer <token> of a known caller' }],
) => new HttpError(401, message, details);
export const notFound = (message: string, details: FieldError[] = []) => new HttpError(404, message, details);
export const conflict = (message: string, details: FieldError[] = []) => new HttpError(409, message, details);
export const unavailable = (message: string) => new HttpError(503, message);

/** Parses a body with a contract schema; a failure lists every field path that is wrong. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw badRequest('The body must be a JSON object sent with Content-Type: application/json', [
      { path: '(body)', message: 'expected a JSON object' },
    ]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The body does not match the schema', fieldErrors(result.error));
  return result.data;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = res.getHeader('x-request-id');
    if (err instanceof MappingError || err instanceof MappingErrors) {
      const errors = err instanceof MappingErrors ? err.errors : [err];
      const details = errors.map((e) => ({ path: e.path, message: e.message.slice(e.path.length + 2) }));
      res.status(400).json({ error: 'The request cannot be delivered as sent', details, requestId });
      return;
    }
    if (err instanceof HttpError) {
      if (err.status >= 500) logger.warn({ requestId, err: err.message }, 'request failed');
      res.status(err.status).json({ error: err.message, details: err.details, requestId });
      return;
    }
    // body-parser's own errors: malformed JSON, too large, wrong charset.
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      res.status(400).json({
        error: 'The body is not valid JSON',
        details: [{ path: '(body)', message: (err as Error).message }],
        requestId,
      });
      return;
    }
    if (type === 'entity.too.large') {
      res.status(413).json({
        error: 'The body is larger than the limit',
        details: [{ path: '(body)', message: `limit is ${(err as { limit?: number }).limit} bytes` }],
        requestId,
      });
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      res.status(415).json({
        error: 'Unsupported body encoding',
        details: [{ path: 'headers.content-type', message: 'send UTF-8 JSON (Content-Type: application/json)' }],
        requestId,
      });
      return;
    }
    logger.error({ requestId, err, path: req.path }, 'unexpected error');
    res.status(500).json({ error: 'Internal error', details: [], requestId });
  };
}
