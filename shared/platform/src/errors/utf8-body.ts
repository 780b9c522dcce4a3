import { isUtf8 } from 'node:buffer';
import { AppError } from './app-error';

/** body-parser's `type` for a body its `verify` hook refused; `toAppError` maps it to `invalid_utf8`. */
export const INVALID_UTF8_TYPE = 'encoding.invalid_utf8';

/** The one answer to a body that is not UTF-8: a 400 naming the problem, before anything reads it. */
export function invalidUtf8Error(): AppError {
  return new AppError('invalid_utf8', 'The request body is not valid UTF-8 (JSON must be UTF-8, RFC 8259)');
}

/**
 * express.json's `verify` hook: runs on the raw bytes (after gzip/deflate are undone) before they
 * are decoded, since decoding them anyway would turn each bad sequence into U+FFFD and store that
 * as if the client had sent it. `isUtf8` checks without decoding, so a 64 KiB body costs
 * microseconds. body-parser re-labels whatever `verify` throws as a 403, so this throws a plain
 * error with a `type` for the error middleware to map, not the AppError itself.
 */
export function verifyUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('body is not UTF-8'), { type: INVALID_UTF8_TYPE });
}
