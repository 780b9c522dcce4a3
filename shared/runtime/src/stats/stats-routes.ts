import { hostname } from 'node:os';
import { Router } from 'express';
import { RabbitBus, type BusStats } from '@boxoffice/bus';
import { PURCHASE_TOPIC_OPTIONS, InstanceStats, statsQuerySchema } from '@boxoffice/contracts';
import { parseInput, type Redis, createRedisClient } from '@boxoffice/platform';
import type { ServiceContext } from '../service-context';
import { busStreamStats } from './bus-stream-stats';
import { busCounts, cacheCounts, httpCounts } from './registry-counts';
import { reshardStats } from './reshard-stats';
import { countShardQueries, redact, shardStats } from './shard-stats';

/**
 * A Redis connection of its own for the stream figures (so a slow XINFO never queues behind the
 * bus's commands), opened on first use and closed after 5 s unused: the context's shutdown order
 * is fixed at start-up, and nobody watching the page should cost an open connection.
 */
class IdleRedis {
  private client: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly idleMs = 5000,
  ) {}

  get(): Redis {
    clearTimeout(this.timer);
    if (!this.client) {
      const client = createRedisClient(this.url, 'cache');
      client.on('error', () => undefined); // reported as the bus's state in the answer
      this.client = client;
    }
    this.timer = setTimeout(() => this.close(), this.idleMs).unref();
    return this.client;
  }

  private close(): void {
    const client = this.client;
    this.client = undefined;
    client?.quit().catch(() => client.disconnect());
  }
}

/**
 * The purchase topics' figures from the bus: the Redis streams read directly (a connection of
 * its own), or the RabbitMQ bus's stats over the service's own bus, which knows the groups this
 * instance consumes. Never rejects: a broker that does not answer is `down`.
 */
function busFigures(ctx: ServiceContext, busRedis: IdleRedis | undefined): Promise<BusStats> {
  const topics = PURCHASE_TOPIC_OPTIONS;
  if (busRedis) return busStreamStats(busRedis.get(), `${ctx.config.KEY_PREFIX}bus:`, topics);
  const bus = ctx.messaging?.bus;
  if (!(bus instanceof RabbitBus)) {
    return Promise.resolve({
      state: 'unknown',
      reason: 'no bus of its own: the instances that consume the topics report their queues',
      topics: [],
    });
  }
  return bus.stats(Object.keys(topics)).catch((err: unknown): BusStats => ({
    state: 'down',
    reason: redact((err as Error).message),
    topics: [],
  }));
}

/**
 * `GET /internal/stats[?include=shards,bus,reshard]`: this instance's counters (HTTP requests,
 * cache lookups, statements per shard, bus messages) and the shard map version it routes by,
 * cumulative since start, for the gateway's topology page to turn into rates. `include=shards`
 * adds each shard's state, latency, row counts and replica lag; `include=bus` adds the bus's
 * backlog per topic and group (busFigures); `include=reshard` the service's resharding in
 * progress (reshardStats: one query on the control database, one count on the source shard).
 * Those cost a query per shard and a few Redis commands (or AMQP queue checks) per topic;
 * the gateway asks at most once a second, only while someone watches. Like /internal/ping, it
 * is not proxied by the gateway and carries no secrets (hosts and database names only).
 */
export function statsRoutes(ctx: ServiceContext): Router {
  const shardQueries = countShardQueries(ctx.dbs);
  const started = Date.now();
  const busUrl = ctx.topology.busUrl;
  const busRedis = busUrl.startsWith('redis') ? new IdleRedis(busUrl) : undefined;
  const router = Router();
  router.get('/internal/stats', async (req, res) => {
    const { include } = parseInput(statsQuerySchema, req.query, 'query');
    const [http, cache, bus, shards, streams, reshard] = await Promise.all([
      httpCounts(ctx.metrics),
      cacheCounts(ctx.metrics),
      busCounts(ctx.metrics),
      include.includes('shards') ? shardStats(ctx.dbs) : undefined,
      include.includes('bus') ? busFigures(ctx, busRedis) : undefined,
      include.includes('reshard') ? reshardStats(ctx) : undefined,
    ]);
    const body: InstanceStats = {
      service: ctx.service,
      instance: `${ctx.service}@${hostname()}:${ctx.config.PORT}`,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - started) / 100) / 10,
      shardMapVersion: ctx.router.version,
      http,
      cache,
      shardQueries: shardQueries(),
      busCounts: bus,
      ...(shards ? { shards } : {}),
      ...(streams ? { bus: streams } : {}),
      ...(reshard !== undefined ? { reshard } : {}),
    };
    res.json(body);
  });
  return router;
}
