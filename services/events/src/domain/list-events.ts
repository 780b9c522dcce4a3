import { AppError, decodeKeysetCursor, encodeKeysetCursor } from '@boxoffice/platform';
import type { EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';
import { mergePages } from './merge-pages';

export interface ListEventsQuery {
  limit: number;
  cursor?: string;
  from?: Date;
  to?: Date;
}

export interface EventPage {
  items: EventRecord[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Shards that did not answer in time; their events are missing from this page. */
  unavailableShards: string[];
}

/**
 * The cross-shard listing (docs/architecture.md, Sharding): ask every shard in parallel for the rows after the
 * cursor, merge by (startsAt, id), keep `limit`. Each shard is asked for one row more than the
 * page holds, so we know whether another page exists. A shard that is down or slower than the
 * shard timeout is left out and named (a partial page); only when none answers is it a 503.
 */
export async function listEvents(deps: EventsDeps, query: ListEventsQuery): Promise<EventPage> {
  const cursor = query.cursor === undefined ? undefined : decodeKeysetCursor(query.cursor);
  const after = cursor && { startsAt: cursor.at, id: cursor.id };
  const { pages, unavailableShards } = await deps.events.listPageOnEveryShard(
    { limit: query.limit + 1, after, from: query.from, to: query.to },
    deps.shardTimeoutMs,
  );
  if (pages.length === 0) {
    throw new AppError('shard_unavailable', 'No events shard answered; try again shortly', {
      details: { service: 'events', shards: unavailableShards },
    });
  }
  const { items, hasMore } = mergePages(pages, query.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: hasMore && last ? encodeKeysetCursor({ at: last.startsAt, id: last.id }) : null,
    unavailableShards,
  };
}
