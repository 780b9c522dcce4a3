import { type CustomTypesConfig, types } from 'pg';

/** `timestamptz`'s type oid (pg_type), the same on every Postgres. */
const TIMESTAMPTZ_OID = 1184;

const parseAsDate = types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number;

/** What Postgres writes for a UTC session (DateStyle ISO): `2026-12-03 09:50:12.1+00`. */
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?\+00$/;

/**
 * A `timestamptz` as `Date#toISOString` writes it (`2026-12-03T09:50:12.100Z`), from the text
 * Postgres sends. Postgres drops a fraction's trailing zeros, so the milliseconds are padded
 * back. The common case, a session in UTC and millisecond precision (the columns hold no more),
 * is rewritten as text without making a Date; anything else (another offset, more digits, a year
 * past 9999) goes through node-postgres's own parser, so the answer is the same either way.
 * `infinity` has no ISO form and is returned as Postgres wrote it.
 */
export function isoFromTimestamptz(text: string): string {
  const utc = UTC_TEXT.exec(text);
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0')}Z`;
  const at = parseAsDate(text);
  return at instanceof Date && !Number.isNaN(at.getTime()) ? at.toISOString() : text;
}

/**
 * Per-query type parsing (`types` of a pg query) that reads every `timestamptz` as ISO text
 * (isoFromTimestamptz) and every other type as node-postgres does: for a read that only prints
 * its timestamps, parsing each into a Date and printing it again is wasted work, and formatting
 * them in SQL (`to_char`) moves the cost into Postgres and makes it bigger (docs/performance.md,
 * "Timestamps as text").
 */
export const timestamptzAsIsoText: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? isoFromTimestamptz
      : types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};
