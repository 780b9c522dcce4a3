import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TopicOptions } from '@boxoffice/bus';
import { CACHE_INVALIDATION_TOPIC_OPTIONS, CacheInvalidations } from '@boxoffice/cache';
import { ServiceName, Topology, loadTopology } from './config/topology';
import { replicaReadiness } from './replica-readiness';
import { ShardDatabases, assertShardIdentity, ShardRouter } from '@boxoffice/sharding';
import {
  createMetricsRegistry,
  type ReadinessCheck,
  type ShutdownStep,
  createLogger,
  Redis,
  createRedisClient,
  pingRedis,
} from '@boxoffice/platform';
import { ServiceMessaging, createMessaging } from './messaging';
import { followShardMap } from './shard-map-follower';
import type { ShardMapWatcher } from '@boxoffice/reshard';
import type { ServiceConfig } from './service-config';

export type { ServiceConfig } from './service-config';

/** Everything a service process is built from. Created once at start-up, never changed after. */
export interface ServiceContext {
  readonly service: ServiceName;
  readonly config: ServiceConfig;
  readonly topology: Topology;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** The shard map in use now (`dbs.router`): it changes when a resharding publishes a new version. */
  readonly router: ShardRouter;
  readonly dbs: ShardDatabases;
  /** Follows the published shard map; `startService` starts it before anything routes a key. */
  readonly shardMap: ShardMapWatcher;
  /** This service's cache Redis. Keys must start with `cacheKeyPrefix`. */
  readonly cache: Redis;
  readonly cacheKeyPrefix: string;
  /** The bus and outbox relay; present when the context was created with `topics`. */
  readonly messaging?: ServiceMessaging;
  /** Invalidation broadcasts between the entity caches' memories of every process (docs/caching.md). */
  readonly invalidations: CacheInvalidations;
  /** The checks /readyz runs now: one per shard of the current map, so a shard a resharding adds is checked. */
  readonly readiness: () => Readonly<Record<string, ReadinessCheck>>;
  /** What shutdown closes, in this order (see `shutdownOrder`). */
  readonly shutdownSteps: readonly ShutdownStep[];
}

export interface ServiceContextOptions {
  logger?: Logger;
  topology?: Topology;
  /** The bus topics this service publishes or consumes; without them it gets no bus. */
  topics?: Record<string, TopicOptions>;
}

function closeRedis(client: Redis): Promise<unknown> {
  return client.quit().catch(() => client.disconnect());
}

/**
 * The one shutdown order of a service, after the HTTP server has drained: first what still
 * moves messages (the relay stops between batches, the inbox pruner after its run; closing the
 * bus lets consumers finish and ack their in-flight messages), then the Redis connections, and
 * Postgres last, because everything before it may still be committing.
 */
function shutdownOrder(
  parts: Pick<ServiceContext, 'cache' | 'dbs' | 'messaging' | 'invalidations'> & { busProbe?: Redis },
): readonly ShutdownStep[] {
  const { messaging, busProbe } = parts;
  const steps: ShutdownStep[] = [{ name: 'cache invalidations', close: () => parts.invalidations.close() }];
  if (messaging) {
    steps.push(
      { name: 'outbox relay', close: () => messaging.relay.close() },
      { name: 'inbox pruner', close: () => messaging.inboxPruner.stop() },
      { name: 'bus', close: () => messaging.bus.close() },
    );
  }
  if (busProbe) steps.push({ name: 'bus probe', close: () => closeRedis(busProbe) });
  steps.push(
    { name: 'cache redis', close: () => closeRedis(parts.cache) },
    { name: 'postgres pools', close: () => parts.dbs.destroy() },
  );
  return Object.freeze(steps);
}

/** Over the service's bus, or (a service without one, like users) over a bus for broadcasts only. */
function cacheInvalidations(
  service: ServiceName,
  config: ServiceConfig,
  busUrl: string,
  messaging: ServiceMessaging | undefined,
  metrics: Registry,
): CacheInvalidations {
  const name = `${service}@${config.PORT}`;
  if (messaging) return new CacheInvalidations(messaging.bus, name);
  const bus = { url: busUrl, keyPrefix: `${config.KEY_PREFIX}bus:`, producer: name, metrics };
  return CacheInvalidations.overOwnBus(bus, name);
}

/**
 * Builds the context of one service from its validated configuration. Throws (ConfigError, or
 * a shard-map error naming the gap) before anything connects, so a bad topology stops start-up.
 */
export function createServiceContext(
  service: ServiceName,
  config: ServiceConfig,
  options: ServiceContextOptions = {},
): ServiceContext {
  const topology = options.topology ?? loadTopology(config);
  const router = new ShardRouter(service, topology.services[service].shards);
  // Host and port: compose replicas share a port, so the port alone cannot tell their logs apart.
  const logger =
    options.logger ??
    createLogger({ service, level: config.LOG_LEVEL, instance: `${hostname()}:${config.PORT}` });
  const metrics = createMetricsRegistry(service);
  const dbs = new ShardDatabases(router, {
    scatterTimeoutMs: config.SHARD_TIMEOUT_MS,
    poolMax: config.DB_POOL_MAX,
    replicaMaxLagMs: config.READ_REPLICA_MAX_LAG_MS,
    replicaPollIntervalMs: config.REPLICA_POLL_INTERVAL_MS,
    metrics,
  });
  const cache = createRedisClient(topology.services[service].cacheUrl, 'cache');
  // The cache is optional for correctness: log its trouble, don't crash on it.
  cache.on('error', (err) => logger.warn({ err: err.message }, 'cache redis error'));

  const checks: Record<string, ReadinessCheck> = { 'redis cache': () => pingRedis(cache) };
  Object.assign(checks, replicaReadiness(dbs));
  let messaging: ServiceMessaging | undefined;
  if (options.topics) {
    const topics = { ...options.topics, ...CACHE_INVALIDATION_TOPIC_OPTIONS };
    messaging = createMessaging({ service, config, busUrl: topology.busUrl, topics, dbs, logger, metrics });
    // "redis bus" or "rabbitmq bus": the bus client's own connection answers (the bus logs trouble).
    checks[`${messaging.bus.backend} bus`] = messaging.bus.ping.bind(messaging.bus);
  }
  // One check per shard of the map in use at each probe: after a split the new shard is checked
  // too (its name, e.g. "shard users_c_f", appears), and each shard's identity stamp is asked.
  const readiness = () => {
    const shardChecks: Record<string, ReadinessCheck> = {};
    for (const shard of dbs.router.shards) {
      shardChecks[`shard ${service}_${shard.name}`] = () =>
        dbs.runOn(shard, (db) => assertShardIdentity(db, service, shard));
    }
    return Object.freeze({ 'redis cache': checks['redis cache']!, ...shardChecks, ...checks });
  };
  const shardMap = followShardMap({ url: topology.shardMapUrl, dbs, messaging, logger, metrics });
  const invalidations = cacheInvalidations(service, config, topology.busUrl, messaging, metrics);
  invalidations.on('error', (err: Error) =>
    logger.warn(
      { err: err.message },
      'cache invalidation not broadcast; other processes catch up within CACHE_L1_TTL_MS',
    ),
  );
  return Object.freeze({
    service,
    config,
    topology,
    logger,
    metrics,
    get router() {
      return dbs.router;
    },
    dbs,
    shardMap: shardMap.watcher,
    cache,
    cacheKeyPrefix: `${config.KEY_PREFIX}${service}:`,
    ...(messaging ? { messaging } : {}),
    invalidations,
    readiness,
    shutdownSteps: [shardMap.shutdownStep, ...shutdownOrder({ cache, dbs, messaging, invalidations })],
  });
}
