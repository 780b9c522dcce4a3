import { z } from 'zod';
import { memoryCacheEnvShape } from '@boxoffice/cache';
import { commaList, portNumber } from '@boxoffice/platform';
import { signInEnvShape } from './sign-in-env';

/** The documented development key for forwarded identities: fine on a laptop, refused in production. */
export const DEV_INTERNAL_KEY = 'dev-internal-key-change-me-0000';

/**
 * The Redis key prefix when KEY_PREFIX is not set: `bo:` for the default stack, `bo:<DB_PREFIX>:`
 * for a stack with its own databases, so two stacks that keep their data apart in Postgres keep
 * their bus streams, consumer groups, caches and rate-limit counters apart in Redis too. `:` is
 * not allowed in DB_PREFIX, so different DB_PREFIX values never give the same key prefix.
 */
export function defaultKeyPrefix(dbPrefix: string): string {
  return dbPrefix ? `bo:${dbPrefix}:` : 'bo:';
}

/**
 * The environment every Boxoffice process reads. Each process extends it with its own
 * variables. Defaults are the local single-Postgres, single-Redis setup of `npm start`.
 */
const platformEnvFields = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Interface to listen on. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Postgres server of the default topology: every shard is a database on it. */
  PG_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432'),
  /** Redis of the default topology: caches and the bus share it, under different key prefixes. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /**
   * The bus server, when it is not REDIS_URL: `redis://…` (Redis Streams) or `amqp://…`
   * (RabbitMQ, e.g. amqp://guest:guest@127.0.0.1:5672). The topology file's busUrl wins over it.
   */
  BUS_URL: z.url({ protocol: /^(rediss?|amqps?)$/ }).optional(),
  /** Shard layout when the topology file gives none: the talk's uneven one, or four even quarters. */
  SHARD_PRESET: z.enum(['talk', 'even']).default('talk'),
  /**
   * The control database holding the versioned shard maps that resharding publishes
   * (docs/resharding.md). Default: `<DB_PREFIX>boxoffice_control` on the server of the users
   * service's first shard (PG_URL's without a topology file).
   */
  SHARD_MAP_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Optional JSON topology file: shard servers, replicas, cache and bus Redis, instance URLs. */
  TOPOLOGY_FILE: z.string().min(1).optional(),
  /** Prefix of every shard database name; tests use it to get databases of their own. */
  DB_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'only lower-case letters, digits and _')
    .max(20)
    .default(''),
  /**
   * Prefix of every Redis key this process writes (bus, caches, rate limits). Unset or empty:
   * derived from DB_PREFIX (`defaultKeyPrefix`), so a stack with its own databases never shares
   * Redis keys with another.
   */
  KEY_PREFIX: z.string().max(40).default(''),
  /**
   * Keys for the identity the gateway forwards to services (HMAC-SHA256). The first signs,
   * all verify, so a key is rotated by adding the new one first and dropping the old one later.
   */
  INTERNAL_KEYS: commaList
    .pipe(z.array(z.string().min(16, 'each key needs at least 16 characters')).min(1))
    .default([DEV_INTERNAL_KEY]),
  /**
   * The longest lifetime, in seconds, a service accepts for what the gateway signs (the forwarded
   * identity, the caller header of /internal/*), whatever its expiry says; the gateway signs them
   * for this long. Default 60: long enough for one request's hops, short enough that a leaked
   * header is useless a minute later. At most 300.
   */
  IDENTITY_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(300).default(60),
  /** Largest JSON body accepted, in bytes (64 KiB). */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** Largest event image upload, in bytes (5 MiB). The gateway allows this much on that one route. */
  IMAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  /**
   * Largest image, in pixels (25 megapixels), checked from the header before anything is decoded:
   * a 30000×30000 PNG of a few kilobytes would otherwise want 2.7 GB of memory (a decompression bomb).
   */
  IMAGE_MAX_PIXELS: z.coerce.number().int().min(1).default(25_000_000),
  /** Resizes (and upload decodes) running at once per process: sharp uses libuv's 4 threads; 2 leaves room for pg. */
  IMAGE_RESIZE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** Bytes of resized variants each events process keeps in memory (64 MiB), least recently used out first. */
  IMAGE_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1024 * 1024),
  /**
   * Bus consumers: how long a delivered, unacknowledged message waits before another consumer
   * reclaims it, and how long a dead consumer's partitions stay claimed (see docs/bus.md for the
   * defaults' reasons). Tests that kill consumers shorten both.
   */
  BUS_VISIBILITY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  BUS_LEASE_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * The tickets service re-requests seats for an order still pending after this long (the bus
   * may have lost its message: docs/decisions/0014-pending-order-sweeper.md). Default 30 s: far
   * beyond a healthy saga's seconds, so a re-request is rare and only follows a real loss.
   */
  PENDING_ORDER_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Connections per shard pool, per process. Default 5: locally every shard of every service is
   * a database on ONE Postgres (max_connections 100 by default), and a process has 4 shards —
   * 3 services × 2 instances × 4 shards × 5 = 120 at the very worst, and pools grow only under
   * load. On separate shard servers, raise it. One connection per shard is the outbox relay's LISTEN.
   */
  DB_POOL_MAX: z.coerce.number().int().min(2).max(100).default(5),
  /** How long one shard may take to answer a scatter-gather query before it counts as down. */
  SHARD_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000),
  /**
   * Per-entity caches on (the default). `false` sends every lookup to the database: the baseline
   * `npm run load -- browse --compare cache-off` measures the cache against.
   */
  CACHE_ENABLED: z.stringbool().default(true),
  /**
   * Read replicas (docs/replicas.md): a replica further behind its primary than this serves no
   * read, so an anonymous page is at most this stale (plus one poll). Default 2000 ms: longer than
   * the replay delay of a healthy local replica (~ms) or of the benchmark's (300 ms), short enough
   * that a listing is never visibly old.
   */
  READ_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /** How often each process polls every replica's replay position (pg_last_wal_replay_lsn()). */
  REPLICA_POLL_INTERVAL_MS: z.coerce.number().int().min(20).max(10_000).default(200),
  /** The in-process level in front of each Redis cache (CACHE_L1_*): see docs/caching.md. */
  ...memoryCacheEnvShape,
  ...signInEnvShape,
});

/** The platform's environment; KEY_PREFIX derived when unset, and the dev internal key refused in production. */
export const platformEnvSchema = platformEnvFields
  .overwrite((env) => ({ ...env, KEY_PREFIX: env.KEY_PREFIX || defaultKeyPrefix(env.DB_PREFIX) }))
  .check((ctx) => {
    // The dev key is in the README: with it, anyone who can reach a service port can sign an
    // identity for any user. Production must bring its own (the gateway does the same for SESSION_KEYS).
    if (ctx.value.NODE_ENV === 'production' && ctx.value.INTERNAL_KEYS.includes(DEV_INTERNAL_KEY)) {
      ctx.issues.push({
        code: 'custom',
        path: ['INTERNAL_KEYS'],
        message: 'set your own keys in production (the documented development key is refused)',
        input: ctx.value.INTERNAL_KEYS,
      });
    }
  });

export type PlatformEnv = z.infer<typeof platformEnvSchema>;

/** A service process: the platform plus the port it listens on. */
export function serviceEnvSchema(defaultPort: number) {
  return platformEnvSchema.extend({ PORT: portNumber.default(defaultPort) });
}
