import { z } from 'zod';
import { MEMORY_TIER_DEFAULTS, type MemoryTierOptions } from './memory-tier';

/**
 * The in-process cache's variables, part of every process's configuration schema
 * (platformEnvSchema). See docs/caching.md for what each costs and buys.
 */
export const memoryCacheEnvShape = {
  /**
   * Memory (L1) in front of each service's Redis cache, on by default. `false` leaves Redis
   * only: the middle baseline of `npm run load -- browse --compare cache-levels`.
   */
  CACHE_L1_ENABLED: z.stringbool().default(true),
  /**
   * How long a process serves a document from memory (ms, default 2000): the bound on a stale
   * read when an invalidation broadcast is lost. At most 60 s.
   */
  CACHE_L1_TTL_MS: z.coerce.number().int().min(1).max(60_000).default(MEMORY_TIER_DEFAULTS.ttlMs),
  /**
   * How long a page of the event listing is served from a process's memory (ms, default 1000; 0
   * turns it off). Anonymous readers only; any event change clears every process's pages by the
   * same broadcast, so this bounds only a lost one (docs/caching.md).
   */
  CACHE_LISTING_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Documents each cache keeps in memory, per process (default 10,000). */
  CACHE_L1_MAX_ENTRIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(MEMORY_TIER_DEFAULTS.maxEntries),
  /** Bytes of JSON each cache keeps in memory, per process (default 16 MiB, at most 1 GiB). */
  CACHE_L1_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(MEMORY_TIER_DEFAULTS.maxBytes),
};

/** The memory settings a configuration names; undefined when CACHE_L1_ENABLED=false. */
export function memoryTierOptionsOf(config: {
  CACHE_L1_ENABLED: boolean;
  CACHE_L1_TTL_MS: number;
  CACHE_L1_MAX_ENTRIES: number;
  CACHE_L1_MAX_BYTES: number;
}): MemoryTierOptions | undefined {
  if (!config.CACHE_L1_ENABLED) return undefined;
  return {
    ttlMs: config.CACHE_L1_TTL_MS,
    maxEntries: config.CACHE_L1_MAX_ENTRIES,
    maxBytes: config.CACHE_L1_MAX_BYTES,
  };
}
