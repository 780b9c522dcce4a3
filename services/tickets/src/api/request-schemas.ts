import { z } from 'zod';
import { AppError, isUuid } from '@boxoffice/shared';
import type { TicketPosition } from '../domain';

export const placeOrderBody = z.strictObject({
  eventId: z.uuid(),
  quantity: z.number().int().min(1).max(10),
});

/** Printable ASCII without spaces, 1–200 characters: what clients put in Idempotency-Key in practice (UUIDs, hashes). */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 printable ASCII characters without spaces')
  .optional();

export const myTicketsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** Default wait when the client sends no `Prefer: wait=N` (DESIGN §5: 2 s). */
export const DEFAULT_WAIT_SECONDS = 2;
export const MAX_WAIT_SECONDS = 10;

/**
 * RFC 7240 `Prefer: wait=N`. A preference is a hint, not a demand: an unparseable one is ignored
 * (the default applies) and one above the 10 s maximum is capped, as the RFC lets a server do.
 */
export function preferredWaitSeconds(prefer: string | undefined): number {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?(?:$|[,;\s])/i.exec(prefer ?? '');
  if (!match) return DEFAULT_WAIT_SECONDS;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
}

const cursorShape = z.strictObject({ c: z.iso.datetime(), i: z.string().refine(isUuid) });

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
