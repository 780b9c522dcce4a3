import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ServiceName, Topology, loadTopology } from '../config/topology';
import { serviceEnvSchema } from '../config/platform-env';
import { replicaReadiness } from '../db/replica-readiness';
import { ShardDatabases } from '../db/shard-databases';
import { assertShardIdentity } from '../db/shard-identity';
import { createMetricsRegistry } from '../http/metrics';
import type { ReadinessCheck } from '../http/readiness';
import type { ShutdownStep } from '../http/serve';
import { createLogger } from '../log/logger';
import { Redis, createRedisClient, pingRedis } from '../redis/redis-client';
import { ShardRouter } from '../sharding/shard-router';

export type ServiceConfig = z.infer<ReturnType<typeof serviceEnvSchema>>;

/** Everything a service process is built from. Created once at start-up and passed down. */
export interface ServiceContext {
  service: ServiceName;
  config: ServiceConfig;
  topology: Topology;
  logger: Logger;
  metrics: Registry;
  router: ShardRouter;
  dbs: ShardDatabases;
  /** This service's cache Redis. Keys must start with `cacheKeyPrefix`. */
  cache: Redis;
  cacheKeyPrefix: string;
  readiness: Record<string, ReadinessCheck>;
  /** Closed in order on shutdown; a service adds its own (bus first) with `unshift`. */
  shutdownSteps: ShutdownStep[];
}

/**
 * Builds the context of one service from its validated configuration. Throws (ConfigError, or
 * a shard-map error naming the gap) before anything connects, so a bad topology stops start-up.
 */
export function createServiceContext(
  service: ServiceName,
  config: ServiceConfig,
  options: { logger?: Logger; topology?: Topology } = {},
): ServiceContext {
  const topology = options.topology ?? loadTopology(config);
  const router = new ShardRouter(service, topology.services[service].shards);
  const logger =
    options.logger ?? createLogger({ service, level: config.LOG_LEVEL, instance: String(config.PORT) });
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

  const readiness: Record<string, ReadinessCheck> = { 'redis cache': () => pingRedis(cache) };
  for (const shard of router.shards) {
    readiness[`shard ${service}_${shard.name}`] = () =>
      dbs.runOn(shard, (db) => assertShardIdentity(db, service, shard));
  }
  Object.assign(readiness, replicaReadiness(dbs));
  return {
    service,
    config,
    topology,
    logger,
    metrics,
    router,
    dbs,
    cache,
    cacheKeyPrefix: `${config.KEY_PREFIX}${service}:`,
    readiness,
    shutdownSteps: [
      { name: 'cache redis', close: () => cache.quit().catch(() => cache.disconnect()) },
      { name: 'postgres pools', close: () => dbs.destroy() },
    ],
  };
}
