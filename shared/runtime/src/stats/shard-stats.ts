import {
  PROBE_SQL_MARK,
  type ShardDatabases,
  databaseOf,
  formatBucketRange,
  type ShardSpec,
} from '@boxoffice/sharding';
import { OUTBOX_TABLE } from '@boxoffice/bus';
import type { ShardStats } from '@boxoffice/contracts';

/** The outbox is counted up to this many rows: enough to tell a backlog, cheap at any size. */
export const OUTBOX_COUNT_CAP = 10_000;

/** How long a shard may take to answer the stats query before it counts as down here (ms). */
const STATS_TIMEOUT_MS = 1500;

/** `host:port` of a connection URL: never the user or password. */
export function hostOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}`;
}

/**
 * An error's message with anything that looks like credentials blanked: `//user:secret@host`
 * and `password=...`. Driver messages should not carry them, but a stats page is the last place
 * to find out one does.
 */
export function redact(message: string): string {
  return message
    .replace(/\/\/[^/@\s:]*:[^/@\s]*@/g, '//***@')
    .replace(/(password\s*=\s*)\S+/gi, '$1***')
    .slice(0, 300);
}

/**
 * Counts every statement this process sends to each shard primary, from knex's `query` event,
 * per database. Returns the counts so far by the current map's shard names: a shard a
 * resharding adds is counted from the first call after this process's map names it, and a shard
 * a split renames (9_f → 9_b, the same database) keeps its count. Creating a shard's knex does
 * not connect, so attaching costs nothing.
 */
export function countShardQueries(dbs: ShardDatabases): () => Record<string, number> {
  const counts = new Map<string, number>();
  const attach = () => {
    for (const shard of dbs.router.shards) {
      if (counts.has(shard.primary)) continue;
      counts.set(shard.primary, 0);
      dbs.knexFor(shard).on('query', (data: { sql?: string }) => {
        if (!data.sql?.startsWith(PROBE_SQL_MARK)) counts.set(shard.primary, counts.get(shard.primary)! + 1);
      });
    }
  };
  attach();
  return () => {
    attach();
    return Object.fromEntries(dbs.router.shards.map((s) => [s.name, counts.get(s.primary) ?? 0]));
  };
}

const ROWS_SQL = `${PROBE_SQL_MARK} select relname, n_live_tup from pg_stat_user_tables where relname not like 'knex_migrations%' and relname <> 'boxoffice_shard' order by relname`;
const OUTBOX_SQL = `${PROBE_SQL_MARK} select count(*)::int as n from (select 1 from ${OUTBOX_TABLE} limit ${OUTBOX_COUNT_CAP}) unsent`;

/** A replica's state as this process's replica poller last saw it (shared/sharding/src/db/replica-poller.ts). */
function replicaState(dbs: ShardDatabases, url: string, now: number): ShardStats['replicas'][number] {
  const host = hostOf(url);
  const seen = dbs.replicas?.poller.state(host, now);
  if (!seen) return { host, state: 'down', lagSeconds: null, reason: 'not polled yet' };
  const lagSeconds = Number.isFinite(seen.lagSeconds) ? Math.round(seen.lagSeconds * 1000) / 1000 : null;
  if (!seen.up) return { host, state: 'down', lagSeconds, reason: redact(seen.error ?? 'no answer') };
  return { host, state: 'up', lagSeconds };
}

/** The error's message and its cause's (the AppError says which shard, the cause says why). */
function reasonOf(error: unknown): string {
  const err = error as { message?: string; cause?: { message?: string } } | undefined;
  const own = err?.message ?? String(error);
  return err?.cause?.message && err.cause.message !== own ? `${own}: ${err.cause.message}` : own;
}

function describe(shard: ShardSpec): Pick<ShardStats, 'name' | 'range' | 'database' | 'host'> {
  return {
    name: shard.name,
    range: formatBucketRange(shard.range),
    database: databaseOf(shard.primary),
    host: hostOf(shard.primary),
  };
}

/**
 * Every shard's state, stats-query latency, estimated row counts, unsent outbox rows and replica
 * lag, in parallel.
 */
export async function shardStats(dbs: ShardDatabases): Promise<ShardStats[]> {
  const results = await dbs.scatter(
    async (db) => {
      const started = performance.now();
      const result = (await db.raw(ROWS_SQL)) as { rows: { relname: string; n_live_tup: string }[] };
      const latencyMs = performance.now() - started;
      const hasOutbox = result.rows.some((r) => r.relname === OUTBOX_TABLE);
      const outbox = hasOutbox ? ((await db.raw(OUTBOX_SQL)) as { rows: { n: number }[] }) : undefined;
      return {
        latencyMs,
        rows: result.rows.filter((r) => r.relname !== OUTBOX_TABLE),
        outboxUnsent: outbox ? Number(outbox.rows[0]?.n ?? 0) : null,
      };
    },
    { timeoutMs: STATS_TIMEOUT_MS },
  );
  return results.map((result): ShardStats => {
    const replicas = result.shard.replicas.map((url) => replicaState(dbs, url, Date.now()));
    if (!result.ok) {
      const reason = redact(reasonOf(result.error));
      return {
        ...describe(result.shard),
        state: 'down',
        latencyMs: null,
        rows: {},
        outboxUnsent: null,
        reason,
        replicas,
      };
    }
    const rows = Object.fromEntries(result.value.rows.map((r) => [r.relname, Number(r.n_live_tup)]));
    return {
      ...describe(result.shard),
      state: 'up',
      latencyMs: Math.round(result.value.latencyMs * 10) / 10,
      rows,
      outboxUnsent: result.value.outboxUnsent,
      replicas,
    };
  });
}
