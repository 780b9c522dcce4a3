import { EVENT_STATUSES } from '@boxoffice/contracts';

/**
 * The lifecycle of an event: drafts are hidden from the listing; cancelled is final. The list is
 * part of the public HTTP contract, so it is defined there.
 */
export { EVENT_STATUSES };
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * One event as stored. Records are plain data, the same in every service: timestamps are ISO 8601
 * strings (UTC, millisecond precision), so a record survives a round trip through the JSON cache
 * unchanged and can be compared to a cursor. Dates go in (NewEventRecord, EventChanges), never out.
 */
export interface EventRecord {
  id: string;
  organizerId: string;
  title: string;
  description: string;
  venue: string;
  startsAt: string;
  capacity: number;
  seatsSold: number;
  status: EventStatus;
  version: number;
  /** The version of the event's image, or null when it has none (see event-image-repository.ts). */
  imageVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new event is made of; the rest (seats sold, version, timestamps) starts at its default. */
export interface NewEventRecord {
  id: string;
  organizerId: string;
  title: string;
  description: string;
  venue: string;
  startsAt: Date;
  capacity: number;
  status: EventStatus;
}

/** The fields an organizer may change. */
export interface EventChanges {
  title?: string;
  description?: string;
  venue?: string;
  startsAt?: Date;
  capacity?: number;
  status?: EventStatus;
}

/** The conditions a conditional update checks in its WHERE clause, all at once. */
export interface UpdateConditions {
  organizerId: string;
  /** The versions the caller saw (from If-Match); undefined means any version. */
  versions?: readonly number[];
}

/** A position in the listing's order: (startsAt, id). */
export interface ListingPosition {
  startsAt: string;
  id: string;
}

export interface ListingQuery {
  /** Rows to fetch from each shard. */
  limit: number;
  /** Only rows strictly after this position. */
  after?: ListingPosition;
  /** startsAt ≥ from. */
  from?: Date;
  /** startsAt < to. */
  to?: Date;
}

/** An uploaded original, as stored: the bytes and what inspecting them found. */
export interface EventImageRecord {
  eventId: string;
  version: number;
  contentType: string;
  width: number;
  height: number;
  bytes: Buffer;
}

/** What an upload stores; the version is the event's next image version. */
export interface NewEventImage {
  contentType: string;
  width: number;
  height: number;
  bytes: Buffer;
}
