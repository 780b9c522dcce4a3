import type { EventView } from '@boxoffice/contracts';
import type { EventRecord } from '../domain';

/** The public shape of an event (docs/architecture.md, The public API): the record plus what a client would compute. */
export function eventJson(event: EventRecord): EventView {
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
    // Versioned, so a new image never shares a URL (or a cache entry) with an old one.
    imageUrl: event.imageVersion === null ? null : `/api/events/${event.id}/image?v=${event.imageVersion}`,
    createdAt: event.createdAt,
    updatedAt: event.updatedAt,
  };
}
