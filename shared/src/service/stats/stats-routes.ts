import { hostname } from 'node:os';
import { Router } from 'express';
import { PURCHASE_TOPIC_OPTIONS } from '../../contracts/purchase-messages';
import { parseInput } from '../../errors/validate';
import { createRedisClient } from '../../redis/redis-client';
import type { ServiceContext } from '../service-context';
import { busStreamStats } from './bus-stream-stats';
import { busCounts, cacheCounts, httpCounts } from './registry-counts';
import { countShardQueries, shardStats } from './shard-stats';
import { InstanceStats, statsQuerySchema } from './stats-schema';

/**
 * `GET /internal/stats[?include=shards,bus]`: this instance's counters (HTTP requests, cache
 * lookups, statements per shard, bus messages), cumulative since start, for the gateway's
 * topology page to turn into rates. `include=shards` adds each shard's state, latency, row
 * counts and replica lag; `include=bus` adds the bus streams' backlog. Those two cost queries,
 * so the gateway asks one instance per service, at most once a second. Like /internal/ping, it
 * is not proxied by the gateway and carries no secrets (hosts and database names only).
 */
export function statsRoutes(ctx: ServiceContext): Router {
  const shardQueries = countShardQueries(ctx.dbs);
  const started = Date.now();
  const busUrl = ctx.topology.busUrl;
  let busRedis: ReturnType<typeof createRedisClient> | undefined;
  if (busUrl.startsWith('redis')) {
    // Its own connection (opened on the first include=bus), so a slow XINFO never queues behind the bus's commands.
    const client = createRedisClient(busUrl, 'cache');
    client.on('error', () => undefined);
    ctx.shutdownSteps.push({
      name: 'stats redis',
      close: () => client.quit().catch(() => client.disconnect()),
    });
    busRedis = client;
  }
  const router = Router();
  router.get('/internal/stats', async (req, res) => {
    const { include } = parseInput(statsQuerySchema, req.query, 'query');
    const [http, cache, bus, shards, streams] = await Promise.all([
      httpCounts(ctx.metrics),
      cacheCounts(ctx.metrics),
      busCounts(ctx.metrics),
      include.includes('shards') ? shardStats(ctx.dbs) : undefined,
      !include.includes('bus')
        ? undefined
        : busRedis
          ? busStreamStats(busRedis, `${ctx.config.KEY_PREFIX}bus:`, PURCHASE_TOPIC_OPTIONS)
          : Promise.resolve({
              state: 'unknown' as const,
              reason: 'stream figures are read for Redis buses only',
              topics: [],
            }),
    ]);
    const body: InstanceStats = {
      service: ctx.service,
      instance: `${ctx.service}@${hostname()}:${ctx.config.PORT}`,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - started) / 100) / 10,
      http,
      cache,
      shardQueries: { ...shardQueries },
      busCounts: bus,
      ...(shards ? { shards } : {}),
      ...(streams ? { bus: streams } : {}),
    };
    res.json(body);
  });
  return router;
}
