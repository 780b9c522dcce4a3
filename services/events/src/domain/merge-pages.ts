import type { ListingPosition } from '../data-access';

/** A record's instant as the data layer writes it (`Date#toISOString`): text order is time order. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function instantOrder(a: string, b: string): number {
  if (a === b) return 0;
  // Two canonical UTC instants of the same width compare as text, without parsing either.
  if (a.length === 24 && b.length === 24 && CANONICAL_INSTANT.test(a) && CANONICAL_INSTANT.test(b)) {
    return a < b ? -1 : 1;
  }
  return Date.parse(a) - Date.parse(b);
}

/** The listing's order: startsAt, then id (as Postgres orders uuids: by their lower-case hex). */
export function comparePositions(a: ListingPosition, b: ListingPosition): number {
  const byTime = instantOrder(a.startsAt, b.startsAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Merges the shards' pages (each sorted, each up to `limit + 1` rows) into the first `limit`
 * rows overall. `hasMore` is true when some shard had a row beyond them: that extra row per
 * shard is what lets the last page say so instead of sending the client to an empty page.
 */
export function mergePages<T extends ListingPosition>(
  pages: readonly (readonly T[])[],
  limit: number,
): { items: T[]; hasMore: boolean } {
  const all = pages.flat().sort(comparePositions);
  return { items: all.slice(0, limit), hasMore: all.length > limit };
}
