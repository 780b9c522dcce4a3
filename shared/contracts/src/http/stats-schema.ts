import { z } from 'zod';
import { busCountsSchema, busStatsSchema } from '@boxoffice/bus';

/**
 * The JSON of `GET /internal/stats` (stats-routes.ts): what one service instance knows about
 * itself, cumulative since it started, plus (when asked) its shards and the bus. The gateway's
 * topology page parses it with this schema and turns the counters into rates.
 * Nothing in it is a secret: hosts and database names only, never a URL with credentials.
 */
const count = z.number().int().min(0);

/** HTTP requests this instance served (probes, /metrics and /internal/* left out). */
export const httpCountsSchema = z.object({
  count,
  /** Cumulative histogram: [upper bound in seconds, requests at or below it]; the last bound is Infinity as null. */
  buckets: z.array(z.tuple([z.number().nullable(), count])),
});
export type HttpCounts = z.infer<typeof httpCountsSchema>;

export const cacheCountsSchema = z.object({
  hits: count,
  negativeHits: count,
  misses: count,
  errors: count,
  /** Redis held a version older than this process's memory: reloaded from the shard. */
  stale: count,
  bypass: count,
});
export type CacheCounts = z.infer<typeof cacheCountsSchema>;

export const replicaStatsSchema = z.object({
  host: z.string(),
  state: z.enum(['up', 'down', 'not_standby']),
  /** Seconds since the last replayed transaction's commit on the primary; null when unknown. */
  lagSeconds: z.number().nullable(),
  reason: z.string().optional(),
});

export const shardStatsSchema = z.object({
  name: z.string(),
  range: z.string(),
  database: z.string(),
  host: z.string(),
  state: z.enum(['up', 'down']),
  /** Round trip of the stats query, in ms; null when the shard did not answer. */
  latencyMs: z.number().nullable(),
  /**
   * Estimated live rows per table (pg_stat_user_tables.n_live_tup), the migrations tables and
   * the outbox left out: the outbox's estimate lags its deletes, so an empty one read "224".
   */
  rows: z.record(z.string(), count),
  /**
   * Outbox rows not yet relayed, counted (up to OUTBOX_COUNT_CAP); null when the shard has no
   * outbox or did not answer.
   */
  outboxUnsent: count.nullable(),
  reason: z.string().optional(),
  replicas: z.array(replicaStatsSchema),
});
export type ShardStats = z.infer<typeof shardStatsSchema>;

/** Where a shard lives, as shown: database name and `host:port`, never a URL. */
const placeSchema = z.object({ database: z.string(), host: z.string() });

/**
 * The resharding of the instance's service in progress, as the control database records it
 * (docs/resharding.md). `phase` is the next phase to run, the one running when `running`;
 * `switched`: the new map is published, and both layouts are kept until complete or abort.
 */
export const reshardStatsSchema = z.object({
  phase: z.enum(['prepare', 'copy', 'catch-up', 'verify', 'switch', 'switched']),
  /** A reshard command holds the job now; false: it stopped (killed or failed) and waits for resume or abort. */
  running: z.boolean(),
  /** The source shard's range before, and the part of it that moves. */
  range: z.string(),
  moving: z.string(),
  source: placeSchema,
  target: placeSchema,
  /** The shards of the new map that replace the source (a split: the source's lower part and the target). */
  newShards: z.array(placeSchema.extend({ range: z.string() })),
  fromVersion: z.number().int().min(0),
  toVersion: z.number().int().min(1),
  /** Rows the copy has written to the target, recorded about once a second while it runs. */
  rowsCopied: count,
  /**
   * Changes logged on the source and not yet applied to the target, counted up to 100 000; null
   * when not counted (the log is not there yet, or the switch is done).
   */
  lag: count.nullable(),
  /** How long writes to the moving range waited at the switch, ms; null before it. */
  pauseMs: z.number().nullable(),
  startedAt: z.string(),
});
export type ReshardStats = z.infer<typeof reshardStatsSchema>;

export const instanceStatsSchema = z.object({
  service: z.string(),
  instance: z.string(),
  pid: z.number().int(),
  uptimeSeconds: z.number(),
  /** The version of the shard map this instance routes by (0: the topology's own; docs/resharding.md). */
  shardMapVersion: z.number().int().optional(),
  http: httpCountsSchema,
  /**
   * Entity-cache lookups by level: `memory` (the in-process L1, null when not configured) and
   * `redis` (L2). Null when no lookup was counted yet.
   */
  cache: z.object({ memory: cacheCountsSchema.nullable(), redis: cacheCountsSchema }).nullable(),
  /** Statements this instance sent to each shard (by shard name), counted in-process. */
  shardQueries: z.record(z.string(), count),
  busCounts: z.array(busCountsSchema),
  /** Present with `?include=shards`. */
  shards: z.array(shardStatsSchema).optional(),
  /** Present with `?include=bus`. */
  bus: busStatsSchema.optional(),
  /** With `?include=reshard`: the service's resharding in progress, null when there is none. */
  reshard: reshardStatsSchema.nullable().optional(),
});
export type InstanceStats = z.infer<typeof instanceStatsSchema>;

/** The `include` query parameter: which expensive parts to add. */
export const statsQuerySchema = z.strictObject({
  include: z
    .string()
    .max(40)
    .optional()
    .transform((v) => (v ? v.split(',') : []))
    .pipe(z.array(z.enum(['shards', 'bus', 'reshard'])).max(3)),
});
