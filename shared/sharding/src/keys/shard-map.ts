import { BUCKET_COUNT, BucketRange, formatBucketRange } from './bucket-range';

/** One shard of one service: the buckets it owns and where its data lives. */
export interface ShardSpec {
  /** Short range name, e.g. "0_2"; unique within a service. */
  name: string;
  range: BucketRange;
  /** Postgres connection URL of the primary. */
  primary: string;
  /** Read replica URLs; may be empty. */
  replicas: string[];
}

/** The talk's layout: 0-2, 3-5, 6-8, 9-f (the slide's "9-A" extended to the end of the key space). */
export const TALK_PRESET: readonly BucketRange[] = Object.freeze([
  { lo: 0x00, hi: 0x2f },
  { lo: 0x30, hi: 0x5f },
  { lo: 0x60, hi: 0x8f },
  { lo: 0x90, hi: 0xff },
]);

/** Four equal quarters of the key space. */
export const EVEN_PRESET: readonly BucketRange[] = Object.freeze([
  { lo: 0x00, hi: 0x3f },
  { lo: 0x40, hi: 0x7f },
  { lo: 0x80, hi: 0xbf },
  { lo: 0xc0, hi: 0xff },
]);

export const SHARD_PRESETS = { talk: TALK_PRESET, even: EVEN_PRESET } as const;
export type ShardPreset = keyof typeof SHARD_PRESETS;

function span(lo: number, hi: number): string {
  return lo === hi ? formatBucketRange({ lo, hi }).slice(0, 2) : formatBucketRange({ lo, hi });
}

/**
 * Throws unless the shards cover buckets 00–ff exactly once. The message names every gap and
 * overlap, because a shard map is edited by hand and a vague "invalid" helps nobody.
 */
export function assertShardMapCoversKeySpace(service: string, shards: readonly ShardSpec[]): void {
  if (shards.length === 0) throw new Error(`shard map for ${service} is empty`);
  const owners: string[][] = Array.from({ length: BUCKET_COUNT }, () => []);
  for (const shard of shards) {
    for (let b = shard.range.lo; b <= shard.range.hi; b++) owners[b]!.push(shard.name);
  }
  const problems: string[] = [];
  let b = 0;
  while (b < BUCKET_COUNT) {
    const here = owners[b]!;
    if (here.length === 1) {
      b++;
      continue;
    }
    let end = b;
    while (end + 1 < BUCKET_COUNT && owners[end + 1]!.join() === here.join()) end++;
    problems.push(
      here.length === 0
        ? `a gap: buckets ${span(b, end)} belong to no shard`
        : `an overlap: buckets ${span(b, end)} are in shards ${here.join(' and ')}`,
    );
    b = end + 1;
  }
  const names = new Set<string>();
  for (const shard of shards) {
    if (names.has(shard.name)) problems.push(`two shards are named ${shard.name}`);
    names.add(shard.name);
  }
  if (problems.length > 0) throw new Error(`shard map for ${service} has ${problems.join('; ')}`);
}
