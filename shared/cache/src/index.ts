export {
  EntityCache,
  type EntityCacheOptions,
  type InvalidationBroadcaster,
  type LocallyEvictable,
} from './entity-cache';
export { MEMORY_TIER_DEFAULTS, type MemoryTierOptions } from './memory-tier';
export { PageCache, type PageCacheOptions, type LoadedPage } from './page-cache';
export { type CacheLevel, type CacheOutcome } from './cache-metrics';
export {
  CacheInvalidations,
  CACHE_INVALIDATION_TOPIC,
  CACHE_INVALIDATION_TOPIC_OPTIONS,
  type CacheInvalidation,
} from './cache-invalidations';
export { memoryCacheEnvShape, memoryTierOptionsOf } from './cache-config';
