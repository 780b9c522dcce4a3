export {
  BUCKET_COUNT,
  parseBucketRange,
  formatBucketRange,
  hex2,
  rangeName,
  type BucketRange,
} from './bucket-range';
export {
  SHARD_PRESETS,
  TALK_PRESET,
  EVEN_PRESET,
  assertShardMapCoversKeySpace,
  type ShardPreset,
  type ShardSpec,
} from './shard-map';
export { ShardRouter, bucketOf } from './shard-router';
export { newColocatedId, colocatedIdSql, normalizeEmail, emailKey, emailBucket } from './ids';
