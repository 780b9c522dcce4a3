import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from './app-error';
import { INVALID_UTF8_TYPE, invalidUtf8Error } from './utf8-body';

/** Body-parser errors carry a `type`; these are the ones a client can cause. */
function fromBodyParser(err: { type?: string; limit?: number }): AppError | undefined {
  switch (err.type) {
    case INVALID_UTF8_TYPE:
      return invalidUtf8Error();
    case 'entity.parse.failed':
      return new AppError('malformed_json', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload_too_large', `The request body exceeds the limit of ${err.limit} bytes`, {
        details: { limitBytes: err.limit },
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body encoding or charset is not supported');
    case 'request.aborted':
      return new AppError('validation_failed', 'The request was aborted by the client');
    default:
      return undefined;
  }
}

/** Turns a zod validation failure into `validation_failed` naming every offending field. */
export function fromZodError(err: ZodError, where = 'body'): AppError {
  const details = err.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = details[0];
  const message = first ? `Invalid request: ${first.path}: ${first.message}` : 'Invalid request';
  return new AppError('validation_failed', message, { details });
}

/**
 * A path segment that is not valid percent-encoding (`/api/events/%zz`): the router throws a
 * URIError (status 400) while decoding the `:id` it matched. Every such segment is an id, and an
 * id that does not even decode names nothing, so it is the same 404 as any malformed id
 * (`idParam`), decided here and nowhere else.
 */
function fromUndecodablePath(err: unknown): AppError | undefined {
  if (!(err instanceof URIError)) return undefined;
  return new AppError('not_found', 'No such resource: the path is not valid percent-encoding');
}

/**
 * Other errors Express itself raises for a client's mistake carry a 4xx `status` (http-errors).
 * They are the client's fault, never a 500.
 */
function fromClientHttpError(err: { status?: unknown; statusCode?: unknown }): AppError | undefined {
  const status = Number(err.status ?? err.statusCode);
  if (!(status >= 400 && status < 500)) return undefined;
  if (status === 404) return new AppError('not_found', 'Not found');
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large');
  if (status === 415) return new AppError('unsupported_media_type', 'Unsupported media type');
  return new AppError('validation_failed', 'The request is malformed');
}

/** Maps anything thrown to an AppError; unknown errors become a bare 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return fromZodError(err);
  const undecodable = fromUndecodablePath(err);
  if (undecodable) return undecodable;
  if (err && typeof err === 'object' && 'type' in err) {
    const mapped = fromBodyParser(err as { type?: string; limit?: number });
    if (mapped) return mapped;
  }
  if (err && typeof err === 'object') {
    const mapped = fromClientHttpError(err as { status?: unknown });
    if (mapped) return mapped;
  }
  return new AppError('internal_error', 'Internal server error', { cause: err });
}

/**
 * The one place errors become responses: the error middleware, and the gateway's fast path
 * (which answers without Express). 5xx are logged at error level with their cause, 4xx at info:
 * a client's mistake is not an incident.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const appError = toAppError(err);
  const log = req.log;
  if (appError.status >= 500) {
    log?.error(
      { err: appError.code === 'internal_error' ? err : appError, code: appError.code },
      appError.message,
    );
  } else {
    log?.info({ code: appError.code, status: appError.status }, appError.message);
  }
  const body = JSON.stringify(appError.toBody());
  res.statusCode = appError.status;
  for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

export const errorMiddleware: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  sendError(req, res, err);
};

/** Unknown route: a JSON 404 naming the method and path. */
export const notFoundMiddleware: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}`));
};
