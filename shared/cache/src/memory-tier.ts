import { LRUCache } from 'lru-cache';

/** Sizes and lifetime of the in-process level (L1). */
export interface MemoryTierOptions {
  /** Most documents held per cache. Default 10,000 (an event document is ~0.5 KB). */
  maxEntries?: number;
  /**
   * Most bytes held per cache, counted as each document's JSON length plus 64 for the entry
   * itself. Default 16 MiB. A document bigger than this is simply not kept in memory.
   */
  maxBytes?: number;
  /**
   * How long a document is served from memory, counted from when it was loaded (reading it
   * does not extend it). Default 2,000 ms: the bound on how stale a read can be when an
   * invalidation broadcast is lost. Shorter costs more Redis round trips; longer, staler reads.
   */
  ttlMs?: number;
}

export const MEMORY_TIER_DEFAULTS: Required<MemoryTierOptions> = {
  maxEntries: 10_000,
  maxBytes: 16 * 1024 * 1024,
  ttlMs: 2000,
};

/** One document in memory: its JSON text (or the "absent" marker) and its version, if it has one. */
export interface MemoryEntry {
  raw: string;
  version: number | undefined;
}

/** 64 bytes per entry beyond its JSON: the entry object, the key and the LRU's bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * The in-process level of an EntityCache: a bounded LRU of JSON documents with a short lifetime,
 * plus, per key, the highest version this process has seen or been told about (its floor). The
 * floor outlives the document: whatever is offered later with a lower version is refused, so a
 * reader in this process never goes back to an older version of a document.
 */
export class MemoryTier {
  readonly options: Required<MemoryTierOptions>;
  private readonly documents: LRUCache<string, MemoryEntry>;
  private readonly floors: LRUCache<string, number>;

  /** `floorTtlMs`: how long floors are kept; the Redis TTL, the longest a stale copy can live there. */
  constructor(options: MemoryTierOptions, floorTtlMs: number) {
    this.options = { ...MEMORY_TIER_DEFAULTS, ...options };
    this.documents = new LRUCache<string, MemoryEntry>({
      max: this.options.maxEntries,
      maxSize: this.options.maxBytes,
      sizeCalculation: (entry, key) => entry.raw.length + key.length + ENTRY_OVERHEAD_BYTES,
      ttl: this.options.ttlMs,
      updateAgeOnGet: false,
    });
    this.floors = new LRUCache<string, number>({ max: this.options.maxEntries, ttl: floorTtlMs });
  }

  get(key: string): MemoryEntry | undefined {
    return this.documents.get(key);
  }

  /** True when `version` is older than what this process already knows of `key`. */
  isBehind(key: string, version: number | undefined): boolean {
    const floor = this.floors.get(key);
    return version !== undefined && floor !== undefined && version < floor;
  }

  /** Keeps a document for `ttlMs` (at most) unless it is older than the floor; raises the floor. */
  set(key: string, entry: MemoryEntry, ttlMs = this.options.ttlMs): void {
    if (this.isBehind(key, entry.version)) return;
    this.raiseFloor(key, entry.version);
    this.documents.set(key, entry, { ttl: Math.min(ttlMs, this.options.ttlMs) });
  }

  /**
   * Forgets a document because it changed. With the new version, a copy already at least that
   * new is kept (this process loaded it after the write), and the floor rises to it.
   */
  drop(key: string, version?: number): void {
    this.raiseFloor(key, version);
    const held = this.documents.peek(key);
    if (version !== undefined && held?.version !== undefined && held.version >= version) return;
    this.documents.delete(key);
  }

  get size(): number {
    return this.documents.size;
  }

  /** Bytes held, as counted against maxBytes. */
  get bytes(): number {
    return this.documents.calculatedSize;
  }

  private raiseFloor(key: string, version: number | undefined): void {
    if (version === undefined) return;
    const floor = this.floors.get(key);
    if (floor === undefined || version > floor) this.floors.set(key, version);
  }
}
