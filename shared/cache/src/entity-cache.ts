import type { Counter, Registry } from 'prom-client';
import { runForCacheFill } from '@boxoffice/sharding';
import type { Redis } from '@boxoffice/platform';
import { CacheLevel, CacheOutcome, cacheRequestsCounter } from './cache-metrics';
import { MemoryTier, MemoryTierOptions } from './memory-tier';

/** Where an EntityCache broadcasts its invalidations (CacheInvalidations). */
export interface InvalidationBroadcaster {
  register(cache: LocallyEvictable): void;
  announce(cache: string, id: string, version?: number): void;
}

/** What an invalidation broadcast reaches in every process. */
export interface LocallyEvictable {
  readonly name: string;
  evictLocal(id: string, version?: number): void;
}

export interface EntityCacheOptions<T = unknown> {
  redis: Redis;
  /** Key prefix, e.g. ServiceContext.cacheKeyPrefix; the entity name is appended. */
  keyPrefix: string;
  /** Entity name: part of every key and the `entity` label of the metrics (e.g. "user"). */
  entity: string;
  metrics: Registry;
  /** How long a document stays in Redis. Default 300 s: invalidation after commit keeps it fresh; the TTL only bounds the damage of a lost invalidation. */
  ttlSeconds?: number;
  /** How long "no such id" stays cached. Default 10 s: long enough to absorb a scan of bad ids, short enough that a new row appears quickly. */
  negativeTtlSeconds?: number;
  /**
   * Default true. When false every lookup loads from the database and counts as `bypass`: the
   * cache-off baseline of the load tests (CACHE_ENABLED=false), with the same code path otherwise.
   */
  enabled?: boolean;
  /** The in-process level (L1) in front of Redis. Default: none, every lookup asks Redis. */
  memory?: MemoryTierOptions;
  /**
   * The document's version, increasing with every write (events: `version`; users: updatedAt).
   * With it, a process never serves a document older than one it has seen or been told about.
   */
  versionOf?: (document: T) => number;
  /** Broadcasts invalidations to every process's L1 (at most once); without it, only this one's. */
  invalidations?: InvalidationBroadcaster;
}

/** Marker stored for ids known not to exist. */
const ABSENT = '\u0000absent';
/** A lookup that failed because Redis did not answer (never stored). */
const UNREACHABLE = Symbol('unreachable');
/** Redis deletes that failed and are retried on the next answer from Redis; beyond this, the TTL bounds them. */
const MAX_PENDING_DELETES = 10_000;

/** One load of one key in flight, shared by every lookup that missed meanwhile (single-flight). */
interface Flight {
  /** The document's JSON, or ABSENT. */
  raw: Promise<string>;
  /** Set by an invalidation during the flight: its answer is returned but not kept anywhere. */
  stale: boolean;
  /**
   * Set when a replica answered because the primary was down: that replica was chosen for the
   * reader who started the flight, so a reader who joined it loads again under its own pinning.
   */
  fromReplica?: boolean;
}

/**
 * Cache-aside for documents by id (the talk's "cache per entity": docs/talk-map.md), in two levels: this process's
 * memory (L1, optional, short-lived), then the service's Redis (L2), then `load()` (the shard).
 * Concurrent misses of one key in one process share one Redis read and one load. A write calls
 * `invalidate` after its transaction commits: memory here, Redis, and (with `invalidations`) a
 * broadcast every process drops from its memory. Redis being down is never an error for the
 * caller: memory keeps serving what it holds for its lifetime and misses go to the database.
 */
export class EntityCache<T> implements LocallyEvictable {
  readonly name: string;
  private readonly options: Required<
    Omit<EntityCacheOptions<T>, 'metrics' | 'memory' | 'versionOf' | 'invalidations'>
  > &
    Pick<EntityCacheOptions<T>, 'versionOf' | 'invalidations'>;
  private readonly requests: Counter<'entity' | 'level' | 'result'>;
  private readonly memory: MemoryTier | undefined;
  private readonly evictedListeners: ((id: string) => void)[] = [];
  private readonly flights = new Map<string, Flight>();
  private readonly pendingDeletes = new Set<string>();

  constructor(options: EntityCacheOptions<T>) {
    const { metrics, memory, ...rest } = options;
    this.options = { ttlSeconds: 300, negativeTtlSeconds: 10, enabled: true, ...rest };
    this.name = `${options.keyPrefix}${options.entity}`;
    this.requests = cacheRequestsCounter(metrics);
    // A series at 0 from the start: the stats tell a cache nobody has asked yet from no cache.
    this.requests.inc({ entity: this.options.entity, level: 'l2', result: 'miss' }, 0);
    this.memory = memory && new MemoryTier(memory, this.options.ttlSeconds * 1000);
    options.invalidations?.register(this);
  }

  key(id: string): string {
    return `${this.name}:${id}`;
  }

  private count(level: CacheLevel, result: CacheOutcome): void {
    this.requests.inc({ entity: this.options.entity, level, result });
  }

  /** The cached document, or `load()`'s answer (cached, including "absent"). */
  async getOrLoad(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    // Every caller gets its own parse, so no caller can change another's document.
    const raw = await this.getRawOrLoad(id, load);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /**
   * The document's JSON text as cached (the same string for every hit of one copy in memory),
   * or undefined when it does not exist: for a reader that serves or derives bytes without
   * parsing the document on every request.
   */
  async getRawOrLoad(id: string, load: () => Promise<T | undefined>): Promise<string | undefined> {
    if (!this.options.enabled) {
      this.count('l2', 'bypass');
      return present(encode(await load()));
    }
    const key = this.key(id);
    const held = this.memory?.get(key);
    if (held) {
      this.count('l1', held.raw === ABSENT ? 'negative_hit' : 'hit');
      return present(held.raw);
    }
    if (this.memory) this.count('l1', 'miss');
    let flight = this.flights.get(key);
    let joined = true;
    if (!flight) {
      const started: Flight = { stale: false, raw: Promise.resolve(ABSENT) };
      started.raw = this.fetch(key, load, started).finally(() => {
        if (this.flights.get(key) === started) this.flights.delete(key);
      });
      this.flights.set(key, started);
      flight = started;
      joined = false;
    }
    const raw = await flight.raw;
    // Its own pinning decides which replica (if any) may answer this reader: it may have written
    // what the starter's replica has not replayed.
    if (joined && flight.fromReplica) return present(encode((await runForCacheFill(load)).value));
    return present(raw);
  }

  /** Redis, else the shard; keeps what it found in memory unless an invalidation overtook it. */
  private async fetch(key: string, load: () => Promise<T | undefined>, flight: Flight): Promise<string> {
    const cached = await this.options.redis.get(key).catch((): typeof UNREACHABLE => UNREACHABLE);
    if (cached === UNREACHABLE) {
      this.count('l2', 'error');
      const { value, cacheable } = await runForCacheFill(load);
      const raw = encode(value);
      if (cacheable) this.remember(key, raw, flight);
      else flight.fromReplica = true;
      return raw;
    }
    this.retryPendingDeletes();
    if (cached === ABSENT) {
      this.count('l2', 'negative_hit');
      this.remember(key, ABSENT, flight);
      return ABSENT;
    }
    if (cached !== null && !this.memory?.isBehind(key, this.versionOfRaw(cached))) {
      this.count('l2', 'hit');
      this.remember(key, cached, flight);
      return cached;
    }
    this.count('l2', cached === null ? 'miss' : 'stale');
    const { value, cacheable } = await runForCacheFill(load);
    const raw = encode(value);
    // A replica's answer while the shard's primary is down is served but kept nowhere.
    if (!cacheable) {
      flight.fromReplica = true;
      return raw;
    }
    if (!flight.stale && !this.memory?.isBehind(key, this.versionOfRaw(raw))) {
      const ttl = raw === ABSENT ? this.options.negativeTtlSeconds : this.options.ttlSeconds;
      await this.options.redis.set(key, raw, 'EX', ttl).catch(() => undefined);
    }
    this.remember(key, raw, flight);
    return raw;
  }

  private remember(key: string, raw: string, flight: Flight): void {
    if (!this.memory || flight.stale) return;
    const absent = raw === ABSENT;
    const ttlMs = absent ? this.options.negativeTtlSeconds * 1000 : this.memory.options.ttlMs;
    this.memory.set(key, { raw, version: this.versionOfRaw(raw) }, ttlMs);
  }

  private versionOfRaw(raw: string): number | undefined {
    if (!this.options.versionOf || raw === ABSENT) return undefined;
    return this.options.versionOf(JSON.parse(raw) as T);
  }

  /**
   * Drops the document everywhere: from this process's memory at once, from Redis, and from
   * every other process's memory by broadcast (at most once: a lost broadcast is bounded by the
   * memory lifetime). Call after the write commits, never before; pass the committed version when
   * known, so no process takes an older copy afterwards. Runs even when the cache is disabled, so
   * turning it back on never serves a document written while it was off.
   */
  async invalidate(id: string, version?: number): Promise<void> {
    this.evictLocal(id, version);
    const key = this.key(id);
    this.options.invalidations?.announce(this.name, id, version);
    await this.options.redis.del(key).catch(() => this.rememberPendingDelete(key));
  }

  /** Drops the document from this process's memory only: what a received broadcast does. */
  evictLocal(id: string, version?: number): void {
    const key = this.key(id);
    const flight = this.flights.get(key);
    if (flight) {
      flight.stale = true;
      this.flights.delete(key);
    }
    this.memory?.drop(key, version);
    for (const listener of this.evictedListeners) listener(id);
  }

  /**
   * Calls `listener` whenever a document leaves this process's memory: by this process's own
   * `invalidate` or by a received broadcast. For caches of answers derived from these documents
   * (a page of a listing), which must drop them too.
   */
  onEvicted(listener: (id: string) => void): void {
    this.evictedListeners.push(listener);
  }

  private rememberPendingDelete(key: string): void {
    if (this.pendingDeletes.size < MAX_PENDING_DELETES) this.pendingDeletes.add(key);
  }

  /** Redis answered again: delete what could not be deleted while it was away. */
  private retryPendingDeletes(): void {
    if (this.pendingDeletes.size === 0) return;
    const keys = [...this.pendingDeletes];
    this.pendingDeletes.clear();
    this.options.redis.del(...keys).catch(() => keys.forEach((k) => this.rememberPendingDelete(k)));
  }
}

function encode(document: unknown): string {
  return document === undefined ? ABSENT : JSON.stringify(document);
}

function present(raw: string): string | undefined {
  return raw === ABSENT ? undefined : raw;
}
