import { z } from 'zod';
import { AppError } from '../errors';
import { isUuid } from '../uuid';

/** 10000-01-01T00:00:00Z: from here on, toISOString() writes "+010000-…", which no ISO parser we use reads back. */
const END_OF_YEAR_9999 = Date.UTC(10000, 0, 1);

/**
 * True for instants from 1970 through 9999 (UTC). Outside that range Postgres or a cursor parser
 * would reject the value later (year 0 does not exist in Postgres; "+010000-…" is not ISO 8601
 * basic form), turning bad input into a 5xx; refusing it up front keeps it a 400.
 */
export function isSupportedInstant(date: Date): boolean {
  const time = date.getTime();
  return Number.isFinite(time) && time >= 0 && time < END_OF_YEAR_9999;
}

/**
 * Where a keyset page starts: after the row with this sort instant (ISO 8601, UTC) and id. Both
 * listings use it: events by `startsAt` ascending, a buyer's tickets by `createdAt` descending.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

/**
 * The cursor is base64url of `{"t": at, "i": id}`. Opaque to clients (they only pass it back), so
 * its shape can change without an API change.
 */
const cursorSchema = z.strictObject({
  t: z.iso.datetime({ offset: true }),
  i: z.string().refine(isUuid),
});

/** Far longer than any cursor issued (~110 characters); refuses junk before decoding it. */
const MAX_CURSOR_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ t: position.at, i: position.id })).toString('base64url');
}

function invalidCursor(): AppError {
  return new AppError('invalid_cursor', 'The cursor is not one this API issued; start again without it');
}

/**
 * The position a cursor names, in canonical form (`toISOString`, lower-case id) so the comparison
 * in SQL and in a merge across shards agree exactly; or AppError `invalid_cursor` (400) for
 * anything this API did not issue, including instants outside 1970–9999, which Postgres would
 * refuse later with a 5xx.
 */
export function decodeKeysetCursor(cursor: string): KeysetPosition {
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
  const at = new Date(parsed.data.t);
  if (!isSupportedInstant(at)) throw invalidCursor();
  return { at: at.toISOString(), id: parsed.data.i.toLowerCase() };
}
