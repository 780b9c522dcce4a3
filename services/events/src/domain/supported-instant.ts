/** 10000-01-01T00:00:00Z: from here on, toISOString() writes "+010000-…", which no ISO parser we use reads back. */
const END_OF_YEAR_9999 = Date.UTC(10000, 0, 1);

/**
 * True for instants from 1970 through 9999 (UTC). Outside that range Postgres or our own cursor
 * parser would reject the value later (year 0 does not exist in Postgres; "+010000-…" is not
 * ISO 8601 basic form), turning bad input into a 5xx; refusing it up front keeps it a 400.
 */
export function isSupportedInstant(date: Date): boolean {
  const time = date.getTime();
  return Number.isFinite(time) && time >= 0 && time < END_OF_YEAR_9999;
}
