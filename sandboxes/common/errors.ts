/**
 * How every sandbox says no: `{message, errors?: [{path, message}]}`, the shape VTEX's guide's API
 * answers with, used by all three so a test reads any of them the same way.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { fieldErrors, type FieldError } from '../../contracts/common';
import { UnreachableError } from './outgoing';

/** A refusal with its HTTP status, thrown by sandbox logic and answered by `errorHandler`. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export function badRequest(errors: FieldError[]): SandboxError {
  return new SandboxError(400, 'Bad request', errors);
}

/** Validates at the edge: the parsed value, or a 400 naming every wrong field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
  return parsed.data;
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ message: `No route for ${req.method} ${req.path}` });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    if (err instanceof SandboxError) {
      res.status(err.status).json(err.errors ? { message: err.message, errors: err.errors } : { message: err.message });
      return;
    }
    if (err instanceof UnreachableError) {
      // The sandbox playing a caller could not reach the service under test.
      res.status(502).json({ message: err.message });
      return;
    }
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.parse.failed') {
      res.status(400).json({ message: 'Bad request', errors: [{ path: '(body)', message: 'is not valid JSON' }] });
      return;
    }
    if (parserError?.type === 'entity.too.large') {
      res.status(413).json({ message: 'Payload too large' });
      return;
    }
    if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      res.status(parserError.status).json({ message: 'Bad request' });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'sandbox handler failed');
    res.status(500).json({ message: 'Internal error' });
  };
}
