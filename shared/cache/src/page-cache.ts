import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { cacheRequestsCounter } from './cache-metrics';

export interface PageCacheOptions {
  /** The `entity` label of its lookups in cache_requests_total (e.g. "event_listing"). */
  entity: string;
  /** How long a page is served from memory (ms): the staleness bound when a clear is missed. */
  ttlMs: number;
  /** Pages kept, per process. */
  maxEntries: number;
  /** Bytes of pages kept, per process. */
  maxBytes: number;
  metrics?: Registry;
}

/** What a load produced: the bytes to serve, and whether they may be kept (a partial page may not). */
export interface LoadedPage {
  body: Buffer;
  keep: boolean;
}

/**
 * A short-lived, in-process cache of rendered answers that are derived from many documents, such
 * as a page of the cross-shard event listing: there is no single id to invalidate, so any change
 * to any of those documents `clear()`s every page. Lookups of one key share one load
 * (single-flight), and a load that a `clear()` overtook is served to its callers but not kept,
 * so no page older than the last clear is ever served afterwards. Memory only: each process fills
 * its own, and a clear that does not arrive (an at-most-once broadcast) is bounded by `ttlMs`.
 */
export class PageCache {
  private readonly pages: LRUCache<string, Buffer>;
  private readonly flights = new Map<string, { generation: number; body: Promise<LoadedPage> }>();
  /** Bumped by every clear: a load started in an older generation is not kept. */
  private generation = 0;
  private readonly requests;

  constructor(private readonly options: PageCacheOptions) {
    this.pages = new LRUCache<string, Buffer>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (body, key) => body.length + key.length + 64,
      ttl: options.ttlMs,
      updateAgeOnGet: false,
    });
    this.requests = options.metrics && cacheRequestsCounter(options.metrics);
  }

  /** The page under `key` from memory, else `load()`'s, kept when it says so. */
  async getOrLoad(key: string, load: () => Promise<LoadedPage>): Promise<Buffer> {
    const held = this.pages.get(key);
    if (held) {
      this.count('hit');
      return held;
    }
    this.count('miss');
    let flight = this.flights.get(key);
    if (!flight || flight.generation !== this.generation) {
      const generation = this.generation;
      // Kept (or not) and forgotten before any caller resumes: a finished flight is never joined.
      const body = load()
        .then((page) => {
          if (page.keep && generation === this.generation) this.pages.set(key, page.body);
          return page;
        })
        .finally(() => {
          if (this.flights.get(key)?.body === body) this.flights.delete(key);
        });
      flight = { generation, body };
      this.flights.set(key, flight);
    }
    return (await flight.body).body;
  }

  /** Counts a lookup that did not use the cache (a caller who must read the shards). */
  bypass(): void {
    this.count('bypass');
  }

  /** Drops every page, and keeps no load that is in flight now. */
  clear(): void {
    this.generation += 1;
    this.pages.clear();
  }

  private count(result: 'hit' | 'miss' | 'bypass'): void {
    this.requests?.inc({ entity: this.options.entity, level: 'l1', result });
  }
}
