/** A bucket is the first two hex digits of a shard key: 0..255 (docs/architecture.md, Sharding). */
export const BUCKET_COUNT = 256;

/** An inclusive range of buckets, e.g. 0x00..0x2f. */
export interface BucketRange {
  lo: number;
  hi: number;
}

const RANGE_PATTERN = /^([0-9a-f]{2})-([0-9a-f]{2})$/;

/** Parses "00-2f" into {lo: 0, hi: 47}; throws a message naming the bad text. */
export function parseBucketRange(text: string): BucketRange {
  const match = RANGE_PATTERN.exec(text.trim().toLowerCase());
  if (!match) throw new Error(`"${text}" is not a bucket range; expected two hex pairs like "00-2f"`);
  const lo = parseInt(match[1]!, 16);
  const hi = parseInt(match[2]!, 16);
  if (lo > hi) throw new Error(`bucket range "${text}" starts after it ends`);
  return { lo, hi };
}

export function hex2(bucket: number): string {
  return bucket.toString(16).padStart(2, '0');
}

export function formatBucketRange(range: BucketRange): string {
  return `${hex2(range.lo)}-${hex2(range.hi)}`;
}

/**
 * The short name of a range, used in database names. Ranges on whole first hex digits get
 * the talk's names (00-2f → "0_2", 90-ff → "9_f"); any other range keeps both bytes ("00_17").
 */
export function rangeName(range: BucketRange): string {
  if (range.lo % 16 === 0 && range.hi % 16 === 15) {
    return `${(range.lo >> 4).toString(16)}_${(range.hi >> 4).toString(16)}`;
  }
  return `${hex2(range.lo)}_${hex2(range.hi)}`;
}
