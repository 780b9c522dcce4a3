import knex, { Knex } from 'knex';
import type { Registry } from 'prom-client';
import { ShardRouter } from '../keys/shard-router';
import type { ShardSpec } from '../keys/shard-map';
import { isAppError } from '@boxoffice/platform';
import { type ReadContext, currentReadContext } from './read-context';
import { parseLsn, shardKey } from './replica-positions';
import { ReplicaSet } from './replica-set';
import {
  fencedVersion,
  isShardMapChangedError,
  isShardUnavailableError,
  shardMapChanged,
  shardUnavailable,
} from './shard-errors';

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
  /** Replicas further behind than this serve no read. Default 2000 ms (READ_REPLICA_MAX_LAG_MS). */
  replicaMaxLagMs?: number;
  /** How often each replica's replay position is polled. Default 200 ms (REPLICA_POLL_INTERVAL_MS). */
  replicaPollIntervalMs?: number;
  /** Where the replica metrics go (db_reads_total, replica_lag_seconds…); none when absent. */
  metrics?: Registry;
}

const ignore = (): void => undefined;

/**
 * Starts every statement the platform sends to watch itself (the readiness probe, the topology
 * page's figures), so the per-shard statement counts (countShardQueries) can leave them out: a
 * shard that nobody uses shows 0 queries/s, however often /readyz or the page asks.
 */
export const PROBE_SQL_MARK = '/* boxoffice-probe */';

/** A standby cancelled the query to replay WAL that removes rows it reads (SQLSTATE 40001). */
function isRecoveryConflict(err: unknown): boolean {
  return (err as { code?: string })?.code === '40001';
}

/** SQLSTATE 3D000, "database does not exist" (at connect). */
function isMissingDatabase(err: unknown): boolean {
  return (err as { code?: string })?.code === '3D000';
}

/** runForKey's signal to route the key again: the map it used is older than the shard's fence. */
class FencedRetry extends Error {}

/** One shard's answer in a scatter-gather. */
export type ShardResult<T> =
  { shard: ShardSpec; ok: true; value: T } | { shard: ShardSpec; ok: false; error: unknown };

/**
 * The knex pools of one service's shards in this process. A pool is created the first time its
 * shard is used, so a process that never touches a shard never connects to it, and a shard that
 * is down only hurts the requests routed to it.
 */
export class ShardDatabases {
  private currentRouter: ShardRouter;
  /** Pools by primary URL: a shard renamed by a split (9_f → 9_b) keeps its database and pool. */
  private readonly pools = new Map<string, Knex>();
  /**
   * Called when a shard refuses a write because its keys moved (the resharding fence), or its
   * database is gone: resolves once this object's map is at least `version` or newer than it was,
   * or after a bounded wait (docs/resharding.md). Without it, the refusal is the caller's error.
   */
  onFenced: ((version: number) => Promise<void>) | undefined;
  private readonly options: Required<Omit<ShardDatabasesOptions, 'metrics'>>;
  /** Only when some shard lists replicas: without them, reads are exactly primary reads. */
  readonly replicas: ReplicaSet | undefined;

  constructor(router: ShardRouter, options: ShardDatabasesOptions = {}) {
    this.currentRouter = router;
    this.options = {
      poolMax: options.poolMax ?? 5,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      acquireTimeoutMs: options.acquireTimeoutMs ?? 10_000,
      statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
      scatterTimeoutMs: options.scatterTimeoutMs ?? 2000,
      replicaMaxLagMs: options.replicaMaxLagMs ?? 2000,
      replicaPollIntervalMs: options.replicaPollIntervalMs ?? 200,
    };
    if (router.shards.some((shard) => shard.replicas.length > 0)) {
      this.replicas = new ReplicaSet(router.shards, {
        maxLagMs: this.options.replicaMaxLagMs,
        pollIntervalMs: this.options.replicaPollIntervalMs,
        connect: (url) => this.connect(url),
        metrics: options.metrics,
      });
      this.replicas.start();
    }
  }

  get service(): string {
    return this.router.service;
  }

  /** The shard map in use now; `setRouter` replaces it while running. */
  get router(): ShardRouter {
    return this.currentRouter;
  }

  /** Switches to a newer shard map (an older or equal version is ignored). Returns whether it switched. */
  setRouter(router: ShardRouter): boolean {
    if (router.service !== this.service || router.version <= this.currentRouter.version) return false;
    this.currentRouter = router;
    return true;
  }

  private connect(url: string): Knex {
    return knex({
      client: 'pg',
      connection: {
        connectionString: url,
        connectionTimeoutMillis: this.options.connectTimeoutMs,
        statement_timeout: this.options.statementTimeoutMs,
        application_name: `boxoffice-${this.service}`,
      },
      pool: { min: 0, max: this.options.poolMax, idleTimeoutMillis: 30_000 },
      acquireConnectionTimeout: this.options.acquireTimeoutMs,
      // knex would print connection failures with console.log; they reach the caller as errors anyway.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
    });
  }

  /** The knex instance of a shard's primary, created on first use. */
  knexFor(shard: ShardSpec): Knex {
    let db = this.pools.get(shard.primary);
    if (!db) {
      db = this.connect(shard.primary);
      this.pools.set(shard.primary, db);
    }
    return db;
  }

  /**
   * Runs `work` on the shard that owns `key`. A shard that cannot be reached becomes
   * AppError `shard_unavailable` (503); any other error passes through unchanged.
   */
  async runForKey<T>(key: string, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    // A shard that fenced the key off (its bucket moved): learn the new map, then write there.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOn(this.router.shardForKey(key), work, attempt < 3);
      } catch (err) {
        if (!(err instanceof FencedRetry)) throw err;
      }
    }
  }

  /** `items` grouped by the shard owning each one's key, shards in order of first appearance. */
  groupByShard<T>(items: readonly T[], keyOf: (item: T) => string): Map<ShardSpec, T[]> {
    const groups = new Map<ShardSpec, T[]>();
    for (const item of items) {
      const shard = this.router.shardForKey(keyOf(item));
      const group = groups.get(shard);
      if (group) group.push(item);
      else groups.set(shard, [item]);
    }
    return groups;
  }

  /**
   * Runs `work` once per shard with the items it owns (grouped by `keyOf`), one shard after
   * another or, with `parallel`, all at once. A group that a resharding fence refuses (this
   * process holds the new map by then) is grouped again by the new map and run once more.
   * Returns what each run returned.
   */
  async runByShard<T, R>(
    items: readonly T[],
    keyOf: (item: T) => string,
    work: (db: Knex, shard: ShardSpec, group: T[]) => Promise<R>,
    options: { parallel?: boolean } = {},
  ): Promise<R[]> {
    const results: R[] = [];
    let left: readonly T[] = items;
    for (let regrouped = false; left.length > 0; regrouped = true) {
      const groups = [...this.groupByShard(left, keyOf)];
      const refused: T[] = [];
      const runGroup = async ([shard, group]: [ShardSpec, T[]]): Promise<void> => {
        try {
          results.push(await this.runOn(shard, (db) => work(db, shard, group)));
        } catch (err) {
          if (regrouped || !isShardMapChangedError(err)) throw err;
          refused.push(...group);
        }
      };
      if (options.parallel) await Promise.all(groups.map(runGroup));
      else for (const group of groups) await runGroup(group);
      left = refused;
    }
    return results;
  }

  /**
   * Runs `work` on a shard's primary. When the shard refuses it because some of its keys moved
   * (the fence), waits until this process holds a newer map, then fails with a 503
   * (`shard_unavailable`, details.moved): the caller grouped its keys by the old map, and
   * `runByShard` regroups them (`runForKey` routes its one key again, `retryFenced`).
   */
  async runOn<T>(
    shard: ShardSpec,
    work: (db: Knex, shard: ShardSpec) => Promise<T>,
    retryFenced = false,
  ): Promise<T> {
    // A request that may write reports the WAL position of every shard it used (replica-http.ts).
    this.noteWrite(shard);
    const before = this.router.version;
    try {
      return await this.onPrimary(shard, work);
    } catch (err) {
      // A database a newer map no longer names may be gone (an aborted resharding's target).
      const fenced = fencedVersion(err);
      const version = fenced ?? (isMissingDatabase(err) ? before + 1 : undefined);
      if (version === undefined) throw err;
      await this.onFenced?.(version);
      const changed = this.router.version !== before;
      if (changed && retryFenced) throw new FencedRetry();
      if (changed || fenced !== undefined) throw shardMapChanged(this.service, shard.name, err);
      throw err;
    }
  }

  /**
   * Tells the running request that its answer reports a write to the shard owning `key` that is
   * made elsewhere: by a batch that another request's call started (it runs in that request's
   * context, not this one's), or by a bus consumer the request waits for. The answer then carries
   * that shard's position, asked after the response is ready, so a read-back that a replica serves
   * is never older than what the caller was told. Call it before the write is awaited.
   */
  noteWriteFor(key: string): void {
    this.noteWrite(this.router.shardForKey(key));
  }

  private noteWrite(shard: ShardSpec): void {
    if (shard.replicas.length === 0) return;
    currentReadContext()?.written?.set(shardKey(this.service, shard.name), shard);
  }

  private async onPrimary<T>(shard: ShardSpec, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    try {
      return await work(this.knexFor(shard), shard);
    } catch (err) {
      if (isShardUnavailableError(err)) throw shardUnavailable(this.service, shard.name, err);
      throw err;
    }
  }

  /**
   * Runs a read that may be slightly stale (for display, never for a decision) on a replica of the
   * shard that is within the lag bound and has replayed this request's own writes there (its
   * positions), else on the primary. A replica failing mid-read costs a retry on the primary.
   * Without replicas this is runOn.
   */
  async readOn<T>(shard: ShardSpec, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    const replicas = this.replicas;
    if (!replicas || shard.replicas.length === 0) return this.onPrimary(shard, work);
    const context = currentReadContext();
    const required = context?.positions.get(shardKey(this.service, shard.name));
    if (context?.cacheFill) {
      replicas.count(shard, 'primary', 'cache_fill');
      try {
        return await this.onPrimary(shard, work);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'shard_unavailable') throw err;
        return this.fillFromReplica(shard, work, context, required, err);
      }
    }
    const choice = replicas.choose(shard, required);
    if (choice.db) {
      try {
        const value = await work(choice.db, shard);
        replicas.count(shard, 'replica', choice.decision.reason);
        return value;
      } catch (err) {
        if (!isShardUnavailableError(err) && !isRecoveryConflict(err)) throw err;
        replicas.poller.markDown(choice.server!, (err as Error).message);
        replicas.count(shard, 'primary', 'replica_failed');
        return this.onPrimary(shard, work);
      }
    }
    replicas.count(shard, 'primary', choice.decision.reason);
    return this.onPrimary(shard, work);
  }

  /**
   * A cache fill whose primary could not be reached: a replica the reader may read by the usual
   * rules (up, within the lag bound, past the reader's own writes on this shard) answers instead,
   * and the fill is marked so the cache serves it without storing it. An anonymous page stays
   * readable while its primary is down; a reader whose write the replica has not replayed gets the
   * primary's 503, not an older copy. With no usable replica, or if it fails too, that 503 stands.
   */
  private async fillFromReplica<T>(
    shard: ShardSpec,
    work: (db: Knex, shard: ShardSpec) => Promise<T>,
    context: ReadContext,
    required: bigint | undefined,
    primaryError: unknown,
  ): Promise<T> {
    const choice = this.replicas!.choose(shard, required);
    if (!choice.db) throw primaryError;
    try {
      const value = await work(choice.db, shard);
      context.filledFromReplica = true;
      this.replicas!.count(shard, 'replica', 'primary_down');
      return value;
    } catch (err) {
      if (!isShardUnavailableError(err) && !isRecoveryConflict(err)) throw err;
      this.replicas!.poller.markDown(choice.server!, (err as Error).message);
      throw primaryError;
    }
  }

  /** readOn for the shard that owns `key`. */
  async readForKey<T>(key: string, work: (db: Knex, shard: ShardSpec) => Promise<T>): Promise<T> {
    return this.readOn(this.router.shardForKey(key), work);
  }

  /** scatter for reads that may be slightly stale: each shard's part goes through readOn. */
  async scatterReads<T>(
    work: (db: Knex, shard: ShardSpec) => Promise<T>,
    options: { timeoutMs?: number } = {},
  ): Promise<ShardResult<T>[]> {
    return this.scatter(work, { ...options, run: (shard, w) => this.readOn(shard, w) });
  }

  /**
   * Each shard's primary WAL position now (pg_current_wal_lsn()), by shard key: asked after a
   * request's writes committed, it is at or past every one of their commit records.
   */
  async writePositions(shards: Iterable<ShardSpec>): Promise<Map<string, bigint>> {
    const positions = new Map<string, bigint>();
    await Promise.all(
      [...shards].map(async (shard) => {
        const result = await this.onPrimary(shard, (db) =>
          db.raw('select pg_current_wal_lsn()::text as lsn'),
        );
        const lsn = parseLsn(String((result as { rows: Array<{ lsn: string }> }).rows[0]?.lsn));
        if (lsn !== undefined) positions.set(shardKey(this.service, shard.name), lsn);
      }),
    );
    return positions;
  }

  /**
   * Runs `work` on every shard in parallel. Each shard gets `timeoutMs`; a shard that errs or is
   * late is reported as failed, the others' answers are kept. Never rejects.
   */
  async scatter<T>(
    work: (db: Knex, shard: ShardSpec) => Promise<T>,
    options: {
      timeoutMs?: number;
      run?: (shard: ShardSpec, work: (db: Knex, shard: ShardSpec) => Promise<T>) => Promise<T>;
    } = {},
  ): Promise<ShardResult<T>[]> {
    const run = options.run ?? ((shard, w) => this.runOn(shard, w));
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
          const value = await Promise.race([run(shard, work), late]);
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
        await db.raw(`${PROBE_SQL_MARK} select 1`);
        return true as const;
      },
      { timeoutMs },
    );
  }

  /** Closes every pool (and stops the replica poller). Safe to call twice. */
  async destroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled([...pools.map((db) => db.destroy()), this.replicas?.stop()]);
  }
}
