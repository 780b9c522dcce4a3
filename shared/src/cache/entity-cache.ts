import { Counter, Registry } from 'prom-client';
import type { Redis } from '../redis/redis-client';

export interface EntityCacheOptions {
  redis: Redis;
  /** Key prefix, e.g. ServiceContext.cacheKeyPrefix; the entity name is appended. */
  keyPrefix: string;
  /** Entity name: part of every key and the `entity` label of the metrics (e.g. "user"). */
  entity: string;
  metrics: Registry;
  /** How long a document stays cached. Default 300 s: invalidation after commit keeps it fresh; the TTL only bounds the damage of a lost invalidation. */
  ttlSeconds?: number;
  /** How long "no such id" stays cached. Default 10 s: long enough to absorb a scan of bad ids, short enough that a new row appears quickly. */
  negativeTtlSeconds?: number;
  /**
   * Default true. When false every lookup loads from the database and counts as `bypass`: the
   * cache-off baseline of the load tests (CACHE_ENABLED=false), with the same code path otherwise.
   */
  enabled?: boolean;
}

type Outcome = 'hit' | 'miss' | 'negative_hit' | 'error' | 'bypass';

/** Marker stored for ids known not to exist. */
const ABSENT = '\u0000absent';
/** A lookup that failed because Redis did not answer (never stored). */
const UNREACHABLE = Symbol('unreachable');

function requestsCounter(registry: Registry): Counter<'entity' | 'result'> {
  const name = 'cache_requests_total';
  const existing = registry.getSingleMetric(name) as Counter<'entity' | 'result'> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: 'Cache lookups by entity and result (hit, miss, negative_hit, error, bypass)',
      labelNames: ['entity', 'result'] as const,
      registers: [registry],
    })
  );
}

/**
 * Cache-aside for documents by id (DESIGN §1: cache per entity). Read: Redis, else load from the
 * database and store. Write: the owner calls `invalidate` after its transaction commits. Redis
 * being down is never an error for the caller: the lookup falls through to the database.
 */
export class EntityCache<T> {
  private readonly options: Required<Omit<EntityCacheOptions, 'metrics'>>;
  private readonly requests: Counter<'entity' | 'result'>;

  constructor(options: EntityCacheOptions) {
    this.options = { ttlSeconds: 300, negativeTtlSeconds: 10, enabled: true, ...options };
    this.requests = requestsCounter(options.metrics);
  }

  key(id: string): string {
    return `${this.options.keyPrefix}${this.options.entity}:${id}`;
  }

  private count(result: Outcome): void {
    this.requests.inc({ entity: this.options.entity, result });
  }

  /** The cached document, or `load()`'s answer (cached, including "absent"). */
  async getOrLoad(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.options.enabled) {
      this.count('bypass');
      return load();
    }
    const key = this.key(id);
    const cached = await this.options.redis.get(key).catch((): typeof UNREACHABLE => UNREACHABLE);
    if (cached === UNREACHABLE) {
      this.count('error');
      return load();
    }
    if (cached === ABSENT) {
      this.count('negative_hit');
      return undefined;
    }
    if (cached !== null) {
      this.count('hit');
      return JSON.parse(cached) as T;
    }
    this.count('miss');
    const loaded = await load();
    const value = loaded === undefined ? ABSENT : JSON.stringify(loaded);
    const ttl = loaded === undefined ? this.options.negativeTtlSeconds : this.options.ttlSeconds;
    await this.options.redis.set(key, value, 'EX', ttl).catch(() => undefined);
    return loaded;
  }

  /**
   * Drops the cached document. Call after the write commits, never before. Runs even when the
   * cache is disabled, so turning it back on never serves a document written while it was off.
   */
  async invalidate(id: string): Promise<void> {
    await this.options.redis.del(this.key(id)).catch(() => undefined);
  }
}
