/**
 * Row writes per shard database, from Postgres's own counters (pg_stat_database: rows inserted,
 * updated and deleted), read between moments of a run: what share of a service's writes each of
 * its shards took before a split and after it, i.e. the load the split took off the old shard.
 */
import { Client } from 'pg';
import { withDatabase } from '@boxoffice/sharding';

/** Rows written so far, per database of the stack (by name). */
export type WriteCounts = Map<string, number>;

/** Reads the counters of every database whose name starts with `prefix`. */
export async function readWriteCounts(serverUrl: string, prefix: string): Promise<WriteCounts> {
  const client = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    // The statistics a backend gathers reach pg_stat_database within about a second of its
    // transaction (PGSTAT_MIN_INTERVAL); a window of several seconds makes that lag small.
    const { rows } = await client.query<{ datname: string; writes: string }>(
      `select datname, tup_inserted + tup_updated + tup_deleted as writes
         from pg_stat_database where starts_with(datname, $1)`,
      [prefix],
    );
    return new Map(rows.map((r) => [r.datname, Number(r.writes)]));
  } finally {
    await client.end();
  }
}

/** One shard's share of its service's row writes in a window. */
export interface ShardShare {
  database: string;
  writes: number;
  share: number;
}

/**
 * Each of `service`'s databases' share of the service's row writes between two readings (a
 * database missing from the first, created in between, started at 0). Databases are named
 * `<prefix><service>_<range>`.
 */
export function writeShares(
  from: WriteCounts,
  to: WriteCounts,
  prefix: string,
  service: string,
): ShardShare[] {
  const mine = [...to.keys()].filter((name) => name.startsWith(`${prefix}${service}_`));
  const writes = mine.map((database) => ({
    database,
    writes: Math.max(0, to.get(database)! - (from.get(database) ?? 0)),
  }));
  const total = writes.reduce((n, w) => n + w.writes, 0);
  return writes.map((w) => ({ ...w, share: total > 0 ? w.writes / total : NaN }));
}
