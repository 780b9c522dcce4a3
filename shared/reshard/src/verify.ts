import type { Knex } from 'knex';
import type { BucketRange } from '@boxoffice/sharding';
import { CHANGES_TABLE, ReshardTable, ident, rangeFilter } from './capture';
import { pkText } from './copy';

/** One sub-range's figures on one side: rows and the checksum of their rows in primary-key order. */
interface BucketSum {
  b: string;
  n: number;
  sum: string;
}

/** A row that differs between source and target and that no pending change explains. */
export interface RowDifference {
  table: string;
  pk: string;
  problem: 'missing on the target' | 'extra on the target' | 'different on the target';
}

export interface VerifyReport {
  /** Sub-ranges (buckets; "all" for a table without a key) compared, over every table. */
  compared: number;
  rows: number;
  /** Rows that differ but have a change waiting in the log: the catch-up will bring them. */
  inFlight: number;
  /** Where those rows are, so the switch can check them again once the range is fenced. */
  inFlightAt: { table: string; bucket: string }[];
  differences: RowDifference[];
}

const bucketOf = (table: ReshardTable): string =>
  table.key ? `left(t.${ident(table.key)}::text, 2)` : `'all'`;
const pkObject = (table: ReshardTable): string =>
  `jsonb_build_object(${table.pk.map((c) => `'${c}', t.${ident(c)}`).join(', ')})`;

async function bucketSums(
  db: Knex,
  table: ReshardTable,
  range: BucketRange,
): Promise<Map<string, BucketSum>> {
  const { rows } = await db.raw<{ rows: BucketSum[] }>(
    `select ${bucketOf(table)} as b, count(*)::int as n,
            md5(string_agg(md5(to_jsonb(t)::text), '' order by ${table.pk.map((c) => `t.${ident(c)}`).join(', ')})) as sum
     from ${ident(table.name)} t where ${rangeFilter(table, range)} group by 1`,
  );
  return new Map(rows.map((r) => [r.b, r]));
}

async function rowSums(
  db: Knex,
  table: ReshardTable,
  range: BucketRange,
  bucket: string,
): Promise<Map<string, string>> {
  const { rows } = await db.raw<{ rows: { pk: Record<string, unknown>; sum: string }[] }>(
    `select ${pkObject(table)} as pk, md5(to_jsonb(t)::text) as sum from ${ident(table.name)} t
     where ${rangeFilter(table, range)} and ${bucketOf(table)} = ?`,
    [bucket],
  );
  return new Map(rows.map((r) => [pkText(table, r.pk), r.sum]));
}

/**
 * Compares the range on both sides: per table and bucket the row count and an ordered checksum;
 * in a bucket that differs, row by row. A row that differs while the source's change log holds an
 * entry for it is in flight (the target is read first, then the source and its log in one
 * snapshot: a change after the target's read is in that log). Any other difference is named.
 * With `only` (the switch, once the range is fenced and caught up), just those buckets are
 * compared again, and a difference there is a difference whatever the log holds.
 */
export async function verifyRange(
  source: Knex,
  target: Knex,
  tables: readonly ReshardTable[],
  range: BucketRange,
  only?: VerifyReport['inFlightAt'],
): Promise<VerifyReport> {
  const report: VerifyReport = { compared: 0, rows: 0, inFlight: 0, inFlightAt: [], differences: [] };
  for (const table of tables) {
    if (only && !only.some((o) => o.table === table.name)) continue;
    const [theirs, ours] = [await bucketSums(target, table, range), await bucketSums(source, table, range)];
    const buckets = new Set(
      [...ours.keys(), ...theirs.keys()].filter(
        (b) => !only || only.some((o) => o.table === table.name && o.bucket === b),
      ),
    );
    report.compared += buckets.size;
    for (const bucket of buckets) {
      const mine = ours.get(bucket);
      report.rows += mine?.n ?? 0;
      const other = theirs.get(bucket);
      if (mine && other && mine.n === other.n && mine.sum === other.sum) continue;
      const targetRows = await rowSums(target, table, range, bucket);
      const { sourceRows, pending } = await source.transaction(
        async (trx) => {
          const sourceRows = await rowSums(trx, table, range, bucket);
          const { rows } = await trx.raw<{ rows: { pk: Record<string, unknown> }[] }>(
            `select pk from ${CHANGES_TABLE} where tbl = ?`,
            [table.name],
          );
          return { sourceRows, pending: new Set(rows.map((r) => pkText(table, r.pk))) };
        },
        { isolationLevel: 'repeatable read' },
      );
      for (const pk of new Set([...sourceRows.keys(), ...targetRows.keys()])) {
        const here = sourceRows.get(pk);
        const there = targetRows.get(pk);
        if (here === there) continue;
        // Rechecking under the fence (`only`), nothing may be in flight any more.
        if (pending.has(pk) && !only) {
          report.inFlight += 1;
          if (!report.inFlightAt.some((o) => o.table === table.name && o.bucket === bucket)) {
            report.inFlightAt.push({ table: table.name, bucket });
          }
          continue;
        }
        const problem = !there
          ? 'missing on the target'
          : !here
            ? 'extra on the target'
            : 'different on the target';
        report.differences.push({ table: table.name, pk, problem });
      }
    }
  }
  return report;
}
