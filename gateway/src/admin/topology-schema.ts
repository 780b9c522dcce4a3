import { z } from 'zod';
import { reshardStatsSchema } from '@boxoffice/contracts';

/**
 * The JSON of `GET /admin/api/topology`: the whole system as the page draws it. Rates are over
 * `windowSeconds` (the time between the gateway's last two polls of every instance, about 1 s);
 * they are null on the first poll and for an instance that restarted in between. `effect` is
 * what the system does about a part that is down or slow, in words ("keys 90-ff: 503
 * shard_unavailable"); null while the part is healthy. No field ever holds a secret: hosts and
 * database names, never a connection string.
 */
const rate = z.number().min(0).nullable();
const effect = z.string().nullable();

export const instanceViewSchema = z.object({
  url: z.string(),
  /** The name the instance gives itself (`events@host:7201`); null until it answered once. */
  name: z.string().nullable(),
  state: z.enum(['up', 'not_ready', 'down']),
  reason: z.string().nullable(),
  pid: z.number().int().nullable(),
  requestsPerSecond: rate,
  /** p99 of the window's requests, from the histogram's buckets (its upper bound), in ms. */
  p99Ms: z.number().nullable(),
  /** The shard map version this process routes by (0: the topology's own); null until it answered. */
  shardMapVersion: z.number().int().min(0).nullable(),
  effect,
});

export const replicaViewSchema = z.object({
  host: z.string(),
  state: z.enum(['up', 'down', 'not_standby', 'unknown']),
  lagSeconds: z.number().nullable(),
});

export const shardViewSchema = z.object({
  name: z.string(),
  range: z.string(),
  database: z.string(),
  host: z.string(),
  state: z.enum(['up', 'slow', 'down', 'unknown']),
  reason: z.string().nullable(),
  latencyMs: z.number().nullable(),
  /** Statements per second all instances sent to this shard. */
  queriesPerSecond: rate,
  /** Estimated live rows per table (Postgres statistics, a second or so behind), the outbox left out. */
  rows: z.record(z.string(), z.number().int().min(0)),
  rowsTotal: z.number().int().min(0).nullable(),
  /** Outbox rows not yet relayed, counted up to 10 000; null without an outbox or an answer. */
  outboxUnsent: z.number().int().min(0).nullable(),
  replicas: z.array(replicaViewSchema),
  /** Its part in the service's resharding in progress: the shard the range moves from, or the new one. */
  reshard: z.enum(['source', 'target']).nullable(),
  effect,
});

export const cacheViewSchema = z.object({
  /** `unused`: the service caches no entity (its Redis connection is only a readiness check). */
  state: z.enum(['up', 'down', 'off', 'unused', 'unknown']),
  /** The Redis level: hits (including cached "absent") per lookup in the window; null without lookups. */
  hitRatio: z.number().min(0).max(1).nullable(),
  lookupsPerSecond: rate,
  /** The Redis level since the instances started. */
  lifetimeHitRatio: z.number().min(0).max(1).nullable(),
  /** The in-process level in front of Redis (each instance's memory); null when not configured or idle. */
  memoryHitRatio: z.number().min(0).max(1).nullable(),
  memoryLookupsPerSecond: rate,
  effect,
});

/**
 * A resharding in progress, as an instance of the service reports it (`/internal/stats?include=reshard`),
 * with what to run next when no command is running it (`note`).
 */
export const reshardViewSchema = reshardStatsSchema.extend({ note: z.string().nullable() });

export const serviceViewSchema = z.object({
  name: z.enum(['users', 'events', 'tickets']),
  state: z.enum(['up', 'degraded', 'down']),
  effect,
  instances: z.array(instanceViewSchema),
  cache: cacheViewSchema,
  shards: z.array(shardViewSchema),
  /** Null when no resharding is in progress, or no instance could say. */
  reshard: reshardViewSchema.nullable(),
});

export const groupViewSchema = z.object({
  name: z.string(),
  consumers: z.number().int().min(0),
  /** Delivered, not yet acknowledged; null when the bus does not tell (RabbitMQ over AMQP). */
  pending: z.number().int().min(0).nullable(),
  /** Not yet delivered to the group (on RabbitMQ: the ready messages of its queues). */
  undelivered: z.number().int().min(0).nullable(),
  /**
   * pending + undelivered: what the group still has to handle. On RabbitMQ the ready messages
   * only (pending is unknown there).
   */
  backlog: z.number().int().min(0).nullable(),
  /**
   * Age of the group's oldest unacknowledged message: how far behind it is, in ms; null when
   * none is pending or the bus does not tell (RabbitMQ).
   */
  lagMs: z.number().nullable(),
  consumedPerSecond: rate,
});

export const topicViewSchema = z.object({
  name: z.string(),
  delivery: z.enum(['at-least-once', 'at-most-once']),
  partitions: z.number().int().min(0),
  publishedPerSecond: rate,
  consumedPerSecond: rate,
  length: z.number().int().min(0),
  backlog: z.number().int().min(0).nullable(),
  lagMs: z.number().nullable(),
  /** Deliveries after the first, since the instances started, and per second in the window. */
  redeliveries: z.number().int().min(0),
  redeliveriesPerSecond: rate,
  deadLetters: z.number().int().min(0),
  groups: z.array(groupViewSchema),
});

export const busViewSchema = z.object({
  /** The backend the gateway's bus URL names: Redis Streams or RabbitMQ. */
  kind: z.enum(['redis', 'rabbitmq']),
  state: z.enum(['up', 'down', 'unknown']),
  reason: z.string().nullable(),
  host: z.string(),
  effect,
  topics: z.array(topicViewSchema),
});

export const topologySchema = z.object({
  generatedAt: z.iso.datetime(),
  windowSeconds: z.number().nullable(),
  gateway: z.object({
    name: z.string(),
    requestsPerSecond: rate,
    p99Ms: z.number().nullable(),
  }),
  services: z.array(serviceViewSchema),
  bus: busViewSchema,
});

export type TopologyView = z.infer<typeof topologySchema>;
export type ServiceView = z.infer<typeof serviceViewSchema>;
export type InstanceView = z.infer<typeof instanceViewSchema>;
export type ShardView = z.infer<typeof shardViewSchema>;
export type CacheView = z.infer<typeof cacheViewSchema>;
export type ReshardView = z.infer<typeof reshardViewSchema>;
export type BusView = z.infer<typeof busViewSchema>;
export type TopicView = z.infer<typeof topicViewSchema>;
