import { Counter, Registry } from 'prom-client';

/** Which level answered: the process's memory (l1) or the service's Redis (l2). */
export type CacheLevel = 'l1' | 'l2';

/**
 * What a lookup at one level found. `stale`: Redis held a version older than one this process
 * has seen, so it was reloaded from the shard. `error`: Redis did not answer. `bypass`: caching is
 * off (CACHE_ENABLED=false), counted at l2.
 */
export type CacheOutcome = 'hit' | 'miss' | 'negative_hit' | 'stale' | 'error' | 'bypass';

type Labels = 'entity' | 'level' | 'result';

/** `cache_requests_total{entity, level, result}`, registered once per registry. */
export function cacheRequestsCounter(registry: Registry): Counter<Labels> {
  const name = 'cache_requests_total';
  const existing = registry.getSingleMetric(name) as Counter<Labels> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: 'Cache lookups by entity, level (l1 memory, l2 Redis) and result (hit, miss, negative_hit, stale, error, bypass)',
      labelNames: ['entity', 'level', 'result'] as const,
      registers: [registry],
    })
  );
}
