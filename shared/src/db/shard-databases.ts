import knex, { Knex } from 'knex';
import { ShardRouter } from '../sharding/shard-router';
import type { ShardSpec } from '../sharding/shard-map';
import { isShardUnavailableError, shardUnavailable } from './shard-errors';

export interface ShardDatabasesOptions {
  /** Connections per shard pool, per process. Default 5 (see DB_POOL_MAX in platform-env.ts). */
  poolMax?: number;
  /** How long opening a connection may take. Default 2000 ms, so a dead or hung shard fails fast: a failed connect is passed straight to every waiter. */
  connectTimeoutMs?: number;
  /**
   * How long a query may queue for a pooled connection when all are busy. Default 10 000 ms:
   * queueing under a burst is load, not an outage, and must not turn into 503s.
   */
  acquireTimeoutMs?: number;
  /** Statement timeout set on every connection. Default 10000 ms. */
  statementTimeoutMs?: number;
  /** Default per-shard timeout of `scatter`. Default 2000 ms. */
  scatterTimeoutMs?: number;
}

const ignore = (): void => undefined;

/** One shard's answer in a scatter-gather. */
export type ShardResult<T> =
  { shard: ShardSpec; ok: true; value: T } | { shard: ShardSpec; ok: false; error: unknown };

/**
 * The knex pools of one service's shards in this process. A pool is created the first time its
 * shard is used, so a process that never touches a shard never connects to it, and a shard that
 * is down only hurts the requests routed to it.
 */
export class ShardDatabases {
  readonly router: ShardRouter;
  private readonly pools = new Map<string, Knex>();
  private readonly options: Required<ShardDatabasesOptions>;

  constructor(router: ShardRouter, options: ShardDatabasesOptions = {}) {
    this.router = router;
    this.options = {
      poolMax: options.poolMax ?? 5,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      acquireTimeoutMs: options.acquireTimeoutMs ?? 10_000,
      statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
      scatterTimeoutMs: options.scatterTimeoutMs ?? 2000,
    };
  }

  get service(): string {
    return this.router.service;
  }

  /** The knex instance of a shard's primary, created on first use. */
  knexFor(shard: ShardSpec): Knex {
    let db = this.pools.get(shard.name);
    if (!db) {
      db = knex({
        client: 'pg',
        connection: {
          connectionString: shard.primary,
          connectionTimeoutMillis: this.options.connectTimeoutMs,
          statement_timeout: this.options.statementTimeoutMs,
          application_name: `boxoffice-${this.service}`,
        },
        pool: { min: 0, max: this.options.poolMax, idleTimeoutMillis: 30_000 },
        acquireConnectionTimeout: this.options.acquireTimeoutMs,
        // knex would print connection failures with console.log; they reach the caller as errors anyway.
        log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
      });
      this.pools.set(shard.name, db);
    }
    return db;
  }

  /**
   * Runs `work` on the shard that owns `key`. A shard that cannot be reached becomes
   * AppError `shard_unavailable` (503); any other error passes through unchanged.
   */
  async runForKey<T>(key: string, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    return this.runOn(this.router.shardForKey(key), work);
  }

  async runOn<T>(shard: ShardSpec, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    try {
      return await work(this.knexFor(shard), shard);
    } catch (err) {
      if (isShardUnavailableError(err)) throw shardUnavailable(this.service, shard.name, err);
      throw err;
    }
  }

  /**
   * Runs `work` on every shard in parallel. Each shard gets `timeoutMs`; a shard that errs or is
   * late is reported as failed, the others' answers are kept. Never rejects.
   */
  async scatter<T>(
    work: (db: Knex, shard: ShardSpec) => Promise<T>,
    options: { timeoutMs?: number } = {},
  ): Promise<ShardResult<T>[]> {
    const timeoutMs = options.timeoutMs ?? this.options.scatterTimeoutMs;
    return Promise.all(
      this.router.shards.map(async (shard): Promise<ShardResult<T>> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(shardUnavailable(this.service, shard.name, new Error(`no answer in ${timeoutMs} ms`))),
            timeoutMs,
          );
        });
        try {
          const value = await Promise.race([this.runOn(shard, work), late]);
          return { shard, ok: true, value };
        } catch (error) {
          return { shard, ok: false, error };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** `select 1` on every shard primary; used by /readyz. */
  async ping(timeoutMs = 1000): Promise<ShardResult<true>[]> {
    return this.scatter(
      async (db) => {
        await db.raw('select 1');
        return true as const;
      },
      { timeoutMs },
    );
  }

  /** Closes every pool. Safe to call twice. */
  async destroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((db) => db.destroy()));
  }
}
