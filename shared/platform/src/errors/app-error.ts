import { ErrorCode, statusOf } from './error-catalogue';

/** The JSON body of every error response (docs/architecture.md, The public API). */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * An error that is part of the contract: a stable `code`, its HTTP status from the catalogue,
 * a message safe to show a client, optional structured `details`, and an optional `cause`
 * (logged, never sent).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  /** Extra response headers, e.g. Retry-After for `rate_limited`. */
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf(code);
    this.details = options.details;
    this.headers = options.headers;
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
