import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { OutboxRelay } from '@boxoffice/bus';
import type { ShutdownStep } from '@boxoffice/platform';
import { ShardMapWatcher } from '@boxoffice/reshard';
import type { ShardDatabases, ShardRouter } from '@boxoffice/sharding';
import type { ServiceMessaging } from './messaging';

export interface ShardMapFollower {
  watcher: ShardMapWatcher;
  shutdownStep: ShutdownStep;
}

/**
 * The process's side of resharding: a watcher that swaps each published shard map into `dbs`,
 * and, for a service with an outbox, a relay for every shard database a new map adds (the
 * context's own relay covers the shards it started with); a relay whose shard leaves the map
 * (an abort) is stopped. Closed first on shutdown, before the relays and the bus.
 */
export function followShardMap(parts: {
  url: string;
  dbs: ShardDatabases;
  messaging: ServiceMessaging | undefined;
  logger: Logger;
  metrics: Registry;
}): ShardMapFollower {
  const { dbs, messaging, logger } = parts;
  const watcher = new ShardMapWatcher({ url: parts.url, dbs });
  watcher.on('error', (err: Error) =>
    logger.warn({ err: err.message }, 'shard map not read; next poll retries'),
  );
  const initial = new Set(dbs.router.shards.map((shard) => shard.primary));
  const relays = new Map<string, OutboxRelay>();
  const follow = (router: ShardRouter) => {
    logger.info({ version: router.version, shards: router.shards.map((s) => s.name) }, 'shard map changed');
    if (!messaging) return;
    const wanted = new Set(router.shards.map((shard) => shard.primary));
    for (const shard of router.shards) {
      if (initial.has(shard.primary) || relays.has(shard.primary)) continue;
      const relay = new OutboxRelay({
        bus: messaging.bus,
        shards: [{ name: shard.name, db: dbs.knexFor(shard) }],
        metrics: parts.metrics,
      });
      relay.on('error', (err: Error) => logger.warn({ err: err.message }, 'outbox relay error; retrying'));
      relays.set(shard.primary, relay);
      void relay.start();
    }
    for (const [url, relay] of relays) {
      if (wanted.has(url)) continue;
      relays.delete(url);
      void relay.close();
    }
  };
  watcher.on('changed', follow);
  return {
    watcher,
    shutdownStep: {
      name: 'shard map',
      close: async () => {
        await watcher.stop();
        await Promise.all([...relays.values()].map((relay) => relay.close()));
      },
    },
  };
}
