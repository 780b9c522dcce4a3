import knex, { Knex } from 'knex';
import type { BucketRange } from '@boxoffice/sharding';
import { CHANGES_TABLE, ReshardTable, ident, rangeFilter } from './capture';

/**
 * A connection pool for the resharding's own work on one database. Every session is in UTC, so
 * the rows' JSON text (the copy's format and the checksums' input) is the same on both sides.
 */
export function openDatabase(url: string): Knex {
  return knex({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: 3000, options: '-c timezone=UTC' },
    pool: { min: 0, max: 2 },
  });
}

const pkList = (table: ReshardTable, alias = ''): string =>
  table.pk.map((c) => `${alias}${ident(c)}`).join(', ');

async function columnsOf(db: Knex, table: string): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { column_name: string }[] }>(
    `select column_name from information_schema.columns
     where table_schema = current_schema() and table_name = ? order by ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/**
 * Writes rows (as to_jsonb text) into the target in one transaction, replacing rows with the same
 * primary key, and deletes the primary keys in `gone`. In replica mode: the target's triggers and
 * foreign-key checks stay quiet, as for a logical replication apply (a ticket may land before its
 * order within a batch; both are there when it ends).
 */
export async function writeRows(
  target: Knex,
  table: ReshardTable,
  rows: readonly unknown[],
  gone: readonly unknown[] = [],
): Promise<void> {
  if (rows.length === 0 && gone.length === 0) return;
  const columns = await columnsOf(target, table.name);
  const name = ident(table.name);
  const updates = columns
    .filter((c) => !table.pk.includes(c))
    .map((c) => `${ident(c)} = excluded.${ident(c)}`)
    .join(', ');
  await target.transaction(async (trx) => {
    await trx.raw('set local session_replication_role = replica');
    if (gone.length > 0) {
      await trx.raw(
        `delete from ${name} t using jsonb_populate_recordset(null::${name}, ?::jsonb) g
         where ${table.pk.map((c) => `t.${ident(c)} = g.${ident(c)}`).join(' and ')}`,
        [JSON.stringify(gone)],
      );
    }
    if (rows.length > 0) {
      await trx.raw(
        `insert into ${name} select * from jsonb_populate_recordset(null::${name}, ?::jsonb)
         on conflict (${pkList(table)}) do ${updates ? `update set ${updates}` : 'nothing'}`,
        [JSON.stringify(rows)],
      );
    }
  });
}

/**
 * Copies the range's rows of one table from source to target in primary-key order, `batchSize`
 * rows per round trip (each a short read on the source, never a lock beyond its rows' snapshot).
 * Calls (and awaits) `onBatch` with the rows copied so far. Returns the count.
 */
export async function copyTable(
  source: Knex,
  target: Knex,
  table: ReshardTable,
  range: BucketRange,
  batchSize: number,
  onBatch: (copied: number) => void | Promise<void> = () => undefined,
): Promise<number> {
  let after: Record<string, unknown> | undefined;
  let copied = 0;
  for (;;) {
    const keyset = after
      ? `and (${pkList(table, 't.')}) > (select ${pkList(table)} from jsonb_populate_record(null::${ident(table.name)}, ?::jsonb))`
      : '';
    const { rows } = await source.raw<{ rows: { r: Record<string, unknown> }[] }>(
      `select to_jsonb(t) as r from ${ident(table.name)} t
       where ${rangeFilter(table, range)} ${keyset}
       order by ${pkList(table, 't.')} limit ${batchSize}`,
      after ? [JSON.stringify(after)] : [],
    );
    if (rows.length === 0) return copied;
    await writeRows(
      target,
      table,
      rows.map((row) => row.r),
    );
    copied += rows.length;
    await onBatch(copied);
    const last = rows[rows.length - 1]!.r;
    after = Object.fromEntries(table.pk.map((c) => [c, last[c]]));
    if (rows.length < batchSize) return copied;
  }
}

/**
 * One round of catch-up: takes up to `batchSize` entries of the source's change log, reads the
 * current state of the rows they name, writes it to the target (a row gone from the source is
 * deleted there), then removes those entries. Re-reading the row rather than replaying the change
 * makes a round idempotent: a crash before the entries are removed repeats it harmlessly.
 * With `upToId`, only entries up to it (those logged before a fence). Returns the entries applied
 * (0: nothing left to apply).
 */
export async function applyChanges(
  source: Knex,
  target: Knex,
  tables: readonly ReshardTable[],
  batchSize: number,
  upToId?: string,
): Promise<number> {
  if (upToId !== undefined && !/^[0-9]+$/.test(upToId)) throw new Error('upToId must be an integer');
  const { rows: entries } = await source.raw<{
    rows: { id: string; tbl: string; pk: Record<string, unknown> }[];
  }>(
    `select id, tbl, pk from ${CHANGES_TABLE} ${upToId === undefined ? '' : `where id <= ${upToId}`}
     order by id limit ${batchSize}`,
  );
  if (entries.length === 0) return 0;
  for (const table of tables) {
    const keys = new Map<string, Record<string, unknown>>();
    for (const entry of entries) if (entry.tbl === table.name) keys.set(JSON.stringify(entry.pk), entry.pk);
    if (keys.size === 0) continue;
    const wanted = [...keys.values()];
    const name = ident(table.name);
    const { rows } = await source.raw<{ rows: { r: Record<string, unknown> }[] }>(
      `select to_jsonb(t) as r from ${name} t
       where (${pkList(table, 't.')}) in (select ${pkList(table)} from jsonb_populate_recordset(null::${name}, ?::jsonb))`,
      [JSON.stringify(wanted)],
    );
    const present = new Set(rows.map((row) => pkText(table, row.r)));
    const gone = wanted.filter((pk) => !present.has(pkText(table, pk)));
    await writeRows(
      target,
      table,
      rows.map((row) => row.r),
      gone,
    );
  }
  const ids = entries.map((e) => e.id);
  if (!ids.every((id) => /^[0-9]+$/.test(String(id)))) throw new Error('change log ids must be integers');
  await source.raw(`delete from ${CHANGES_TABLE} where id in (${ids.join(',')})`);
  return entries.length;
}

/** A row's primary key as text, the same for a whole row and for a change log entry. */
export function pkText(table: ReshardTable, row: Record<string, unknown>): string {
  return JSON.stringify(table.pk.map((c) => row[c]));
}
