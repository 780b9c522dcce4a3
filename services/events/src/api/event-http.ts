import type { Response } from 'express';
import { AppError, isUuid } from '@boxoffice/shared';
import type { EventRecord } from '../data-access';

/** The public shape of an event (DESIGN §6): the record plus what a client would compute. */
export function toEventDto(event: EventRecord) {
  return {
    id: event.id,
    organizerId: event.organizerId,
    title: event.title,
    description: event.description,
    venue: event.venue,
    startsAt: event.startsAt,
    capacity: event.capacity,
    seatsSold: event.seatsSold,
    seatsAvailable: Math.max(0, event.capacity - event.seatsSold),
    status: event.status,
    version: event.version,
    createdAt: event.createdAt,
    updatedAt: event.updatedAt,
  };
}

/** A strong entity tag from the event's version: `"7"`. */
export function etagOf(event: EventRecord): string {
  return `"${event.version}"`;
}

/** Versions are Postgres integers; a bigger number in If-Match can match nothing. */
const MAX_VERSION = 2_147_483_647;

/**
 * The versions an If-Match header accepts, or undefined when any version will do (no header,
 * or `*`). If-Match uses the strong comparison (RFC 9110 §13.1.1), so weak tags (`W/"3"`) and
 * tags we never issue match nothing: the update then fails with 412, as it should.
 */
export function parseIfMatch(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const tag of header.split(',')) {
    const match = /^"(\d{1,10})"$/.exec(tag.trim());
    const version = match ? Number(match[1]) : NaN;
    if (version >= 1 && version <= MAX_VERSION) versions.push(version);
  }
  return versions;
}

/** The signed-in user's id from the gateway-signed identity (set by requireIdentity). */
export function signedInUser(res: Response): string {
  const userId: unknown = res.locals.userId;
  // Organizer ids are uuids; anything else is an identity this service cannot act for.
  if (typeof userId !== 'string' || !isUuid(userId)) {
    throw new AppError('unauthenticated', 'Sign in first');
  }
  return userId.toLowerCase();
}
