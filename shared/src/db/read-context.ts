import { AsyncLocalStorage } from 'node:async_hooks';
import type { ShardSpec } from '../sharding/shard-map';
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
}

const storage = new AsyncLocalStorage<ReadContext>();

/** Runs `fn` (and everything it starts) with `context` as the current read context. */
export function runWithReadContext<T>(context: ReadContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The read context of the running request, if any (none in bus consumers and the saga). */
export function currentReadContext(): ReadContext | undefined {
  return storage.getStore();
}
