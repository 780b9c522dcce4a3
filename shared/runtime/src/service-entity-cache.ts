import { EntityCache, memoryTierOptionsOf } from '@boxoffice/cache';
import type { ServiceContext } from './service-context';

export interface ServiceEntityCacheOptions<T> {
  /** Entity name: part of every key and the `entity` label of the metrics (e.g. "event"). */
  entity: string;
  /** How long a document stays in Redis; invalidation keeps it fresh before that. */
  ttlSeconds: number;
  /** The document's version, increasing with every write (see EntityCacheOptions.versionOf). */
  versionOf: (document: T) => number;
}

/**
 * A service's cache of one entity, as configured for this process: memory (CACHE_L1_*) in front
 * of the service's Redis, off with CACHE_ENABLED=false, invalidated across processes through
 * `ctx.invalidations`.
 */
export function createServiceEntityCache<T>(
  ctx: ServiceContext,
  options: ServiceEntityCacheOptions<T>,
): EntityCache<T> {
  return new EntityCache<T>({
    redis: ctx.cache,
    keyPrefix: ctx.cacheKeyPrefix,
    metrics: ctx.metrics,
    enabled: ctx.config.CACHE_ENABLED,
    memory: memoryTierOptionsOf(ctx.config),
    invalidations: ctx.invalidations,
    ...options,
  });
}
