import { z } from 'zod';
import { AppError, isUuid } from '@boxoffice/platform';
import type { ListingPosition } from '../data-access';
import { isSupportedInstant } from './supported-instant';

/**
 * The listing's cursor: base64url of `{"s": startsAt, "i": id}`, the last event of the page.
 * Opaque to clients (they only pass it back), so its shape can change without an API change.
 */
const cursorSchema = z.strictObject({
  s: z.iso.datetime({ offset: true }),
  i: z.string().refine(isUuid),
});

/** Far longer than any cursor we issue (~110 characters); refuses junk before decoding it. */
const MAX_CURSOR_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(position: ListingPosition): string {
  return Buffer.from(JSON.stringify({ s: position.startsAt, i: position.id })).toString('base64url');
}

function invalidCursor(): AppError {
  return new AppError('invalid_cursor', 'The cursor is not one this API issued; start again without it');
}

/** The position a cursor names, or AppError `invalid_cursor` (400). */
export function decodeCursor(cursor: string): ListingPosition {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalidCursor();
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  const startsAt = new Date(parsed.data.s);
  if (!isSupportedInstant(startsAt)) throw invalidCursor();
  // Canonical forms, so the comparison in SQL and in the merge agree exactly.
  return { startsAt: startsAt.toISOString(), id: parsed.data.i.toLowerCase() };
}
