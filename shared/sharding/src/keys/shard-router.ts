import { BUCKET_COUNT } from './bucket-range';
import { ShardSpec, assertShardMapCoversKeySpace } from './shard-map';

const KEY_PATTERN = /^[0-9a-f]{2}/i;

/** True when the key starts with two hex digits and so has a bucket. */
export function hasBucket(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** The bucket of a shard key: its first two hex digits, 0..255. Throws for a key without them. */
export function bucketOf(key: string): number {
  if (!hasBucket(key)) throw new Error(`shard key "${key.slice(0, 40)}" does not start with two hex digits`);
  return parseInt(key.slice(0, 2), 16);
}

/**
 * Routes keys to shards for one service. Built once from a validated shard map; lookups are an
 * array index, so routing costs nothing next to the query it routes.
 */
export class ShardRouter {
  readonly service: string;
  readonly shards: readonly ShardSpec[];
  /** The shard map's version: 0 for the topology's own map, then each published change adds one. */
  readonly version: number;
  private readonly byBucket: ShardSpec[];
  private readonly byName: Map<string, ShardSpec>;

  constructor(service: string, shards: readonly ShardSpec[], version = 0) {
    assertShardMapCoversKeySpace(service, shards);
    this.service = service;
    this.version = version;
    this.shards = Object.freeze([...shards].sort((a, b) => a.range.lo - b.range.lo));
    this.byBucket = new Array<ShardSpec>(BUCKET_COUNT);
    for (const shard of this.shards) {
      for (let b = shard.range.lo; b <= shard.range.hi; b++) this.byBucket[b] = shard;
    }
    this.byName = new Map(this.shards.map((s) => [s.name, s]));
  }

  shardForBucket(bucket: number): ShardSpec {
    const shard = this.byBucket[bucket];
    if (!shard) throw new Error(`bucket ${bucket} is outside 0..255`);
    return shard;
  }

  shardForKey(key: string): ShardSpec {
    return this.shardForBucket(bucketOf(key));
  }

  shardNamed(name: string): ShardSpec {
    const shard = this.byName.get(name);
    if (!shard) throw new Error(`${this.service} has no shard named ${name}`);
    return shard;
  }
}
