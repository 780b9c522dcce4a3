import type { EventRecord } from '../domain';

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
