import { AsyncLocalStorage } from 'node:async_hooks';
import type { ShardSpec } from '../keys/shard-map';
import type { ShardPositions } from './replica-positions';

/**
 * What one request carries for the routing of its reads and the report of its writes. It lives in
 * an AsyncLocalStorage, so repositories and use-cases never pass it around (the domain does not
 * know replicas exist).
 */
export interface ReadContext {
  /** Positions the caller has written at, by `<service>:<shard>`: reads must see at least these. */
  positions: ShardPositions;
  /** Set for a request that may write: the shards it used on their primary, by shard key. */
  written?: Map<string, ShardSpec>;
  /** Reads made to fill a shared cache: they go to the primary (see runForCacheFill). */
  cacheFill?: boolean;
  /**
   * Set by a cache fill that a replica answered because the primary could not be reached
   * (ShardDatabases.readOn): the answer is served, never stored in the cache.
   */
  filledFromReplica?: boolean;
}

const storage = new AsyncLocalStorage<ReadContext>();

/** Runs `fn` (and everything it starts) with `context` as the current read context. */
export function runWithReadContext<T>(context: ReadContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Runs a load whose answer goes into a shared cache: its reads go to the primary, as without
 * replicas. A replica's older copy, stored after the writer's invalidation, would be served to
 * everyone (the writer too) for the cache's whole TTL; from the primary, the cache stays exactly
 * as fresh as it is without replicas. Reads that bypass the cache still use replicas. When the
 * primary cannot be reached, a replica the reader may read answers instead and `cacheable` is
 * false: serve that answer, do not store it.
 */
export async function runForCacheFill<T>(fn: () => Promise<T>): Promise<{ value: T; cacheable: boolean }> {
  const current = storage.getStore();
  const context: ReadContext = { positions: new Map(), ...current, cacheFill: true };
  const value = await storage.run(context, fn);
  // A replica's answer, given while the primary was down, is for this request only: stored, it
  // would outlive the outage and could hide a write the replica had not replayed yet.
  return { value, cacheable: !context.filledFromReplica };
}

/** The read context of the running request, if any (none in bus consumers and the saga). */
export function currentReadContext(): ReadContext | undefined {
  return storage.getStore();
}
