import { EventEmitter } from 'node:events';
// The bus's public surface only (its barrel): the bus is free to change behind it.
import {
  type Bus,
  type BusOptions,
  type Envelope,
  type Subscription,
  type TopicOptions,
  createBus,
} from '@boxoffice/bus';
import type { InvalidationBroadcaster, LocallyEvictable } from './entity-cache';

/** The topic every process's caches listen on. At most once: see CacheInvalidations. */
export const CACHE_INVALIDATION_TOPIC = 'cache.invalidated';

/** Topic settings to pass to the bus of any process that has an EntityCache with memory. */
export const CACHE_INVALIDATION_TOPIC_OPTIONS: Record<string, TopicOptions> = {
  [CACHE_INVALIDATION_TOPIC]: { delivery: 'at-most-once' },
};

/** The message: which cache (its key prefix and entity), which id, and the version written. */
export interface CacheInvalidation {
  cache: string;
  id: string;
  version?: number;
}

function isInvalidation(payload: unknown): payload is CacheInvalidation {
  const p = payload as Partial<CacheInvalidation> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.cache === 'string' &&
    typeof p.id === 'string' &&
    (p.version === undefined || typeof p.version === 'number')
  );
}

/**
 * Carries EntityCache invalidations between processes over an at-most-once bus topic
 * (`cache.invalidated`, Redis PUBLISH/SUBSCRIBE): every process that called `start()` hears every
 * invalidation of every process, the writer's own included, and drops the document from the
 * memory of the cache it names. Nothing depends on which process wrote: a process that is
 * reconnecting, or a broadcast lost because the bus is down, costs at most the memory lifetime
 * (MemoryTierOptions.ttlMs, 2 s by default) of stale reads, never a wrong write: purchases and
 * updates read the primary, not the cache.
 *
 * Never logs. Emits `'error'` (err) when a broadcast could not be sent or a message was not an
 * invalidation; only when someone listens.
 */
export class CacheInvalidations extends EventEmitter implements InvalidationBroadcaster {
  private readonly caches = new Map<string, LocallyEvictable>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    /** Labels this process's subscription in the bus metrics, e.g. "events@7201". */
    private readonly group: string,
    /** When true, `close()` closes the bus too (see `overOwnBus`). */
    private readonly ownsBus = false,
  ) {
    super();
  }

  /**
   * For a process that has no bus of its own (the users service): a bus just for the
   * broadcasts, closed with this. Its `'error'` events are re-emitted as this one's.
   */
  static overOwnBus(options: BusOptions, group: string): CacheInvalidations {
    const bus = createBus({ ...options, topics: { ...options.topics, ...CACHE_INVALIDATION_TOPIC_OPTIONS } });
    const invalidations = new CacheInvalidations(bus, group, true);
    bus.on('error', (err: unknown) => invalidations.emitError(err));
    return invalidations;
  }

  /** Routes invalidations named `cache.name` to `cache`. EntityCache calls it when given `invalidations`. */
  register(cache: LocallyEvictable): void {
    this.caches.set(cache.name, cache);
  }

  /**
   * Subscribes; from when it resolves, this process hears every broadcast the bus delivers. A
   * process with no cache registered (no memory level to invalidate) does not subscribe.
   */
  async start(): Promise<void> {
    if (this.caches.size === 0) return;
    this.subscription ??= await this.bus.subscribe<unknown>(CACHE_INVALIDATION_TOPIC, this.group, (message) =>
      this.receive(message),
    );
  }

  /**
   * Broadcasts, fire and forget: the write that calls it does not wait for the bus, and a bus
   * that is down loses the message (reported as `'error'`).
   */
  announce(cache: string, id: string, version?: number): void {
    const payload: CacheInvalidation = version === undefined ? { cache, id } : { cache, id, version };
    this.bus
      .publish(CACHE_INVALIDATION_TOPIC, `${cache}:${id}`, { type: CACHE_INVALIDATION_TOPIC, payload })
      .catch((err: unknown) => this.emitError(err));
  }

  private receive(message: Envelope<unknown>): void {
    if (!isInvalidation(message.payload)) {
      this.emitError(new Error(`not a cache invalidation: message ${message.id}`));
      return;
    }
    const { cache, id, version } = message.payload;
    this.caches.get(cache)?.evictLocal(id, version);
  }

  /** Stops listening; closes the bus only if it is this one's own. */
  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
    if (this.ownsBus) await this.bus.close();
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
