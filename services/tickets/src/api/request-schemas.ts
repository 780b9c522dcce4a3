import { z } from 'zod';
import { AppError, isUuid } from '@boxoffice/platform';
import type { TicketPosition } from '../domain';

/**
 * The tickets API's request schemas (and the `Prefer: wait` rule) are part of the HTTP contract in
 * @boxoffice/contracts (`shared/contracts/src/http/tickets-contract.ts`): the OpenAPI document is
 * generated from the very schemas these routes validate with. The cursor codec stays here: the
 * document only says a cursor is an opaque string.
 */
export {
  idempotencyKeyHeader,
  myTicketsQuery,
  placeOrderBody,
  preferredWaitSeconds,
} from '@boxoffice/contracts';

/**
 * Postgres timestamps cannot hold year 0000 and a ticket is never older than 1970: a cursor
 * instant outside 1970–9999 (UTC) is not one this API issued (Postgres would refuse it: a 500).
 */
const MAX_INSTANT_MS = Date.UTC(10_000, 0, 1) - 1;
const cursorInstant = z.iso.datetime().refine((text) => {
  const ms = Date.parse(text);
  return ms >= 0 && ms <= MAX_INSTANT_MS;
});
const cursorShape = z.strictObject({ c: cursorInstant, i: z.string().refine(isUuid) });

export function encodeTicketCursor(position: TicketPosition): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt, i: position.id })).toString('base64url');
}

/** An opaque cursor back into a position; anything else is 400 `invalid_cursor`. */
export function decodeTicketCursor(cursor: string): TicketPosition {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    const parsed = cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { createdAt: parsed.c, id: parsed.i };
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not one this API issued', { details: { cursor } });
  }
}
