import type { Knex } from 'knex';
import { BucketRange, FENCED_SQLSTATE, PROBE_SQL_MARK, hex2 } from '@boxoffice/sharding';

/**
 * A table that moves with its keys. `key` is the column whose first two hex digits are the row's
 * bucket; without one (the inbox, whose rows name no key) every row is copied and captured.
 * `pk` is the primary key, the copy's order and the change log's row identity.
 */
export interface ReshardTable {
  name: string;
  key?: string;
  pk: string[];
}

/** The moving range and its state, one row per shard database in a resharding. */
export const CONTROL_TABLE = 'boxoffice_reshard';
/** Primary keys of rows of the moving range changed since capture started: the change log. */
export const CHANGES_TABLE = 'boxoffice_reshard_changes';
const FUNCTION = 'boxoffice_reshard_row';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`);
  return `"${name}"`;
}

/** `left(key::text, 2) between 'lo' and 'hi'`: the buckets of a range as lower-case hex text. */
export function rangeFilter(table: ReshardTable, range: BucketRange, alias = 't'): string {
  if (!table.key) return 'true';
  return `left(${alias}.${ident(table.key)}::text, 2) between '${hex2(range.lo)}' and '${hex2(range.hi)}'`;
}

/**
 * One trigger function for every moving table: for a row in the range it refuses the write when
 * the range is fenced (SQLSTATE BXF01, naming the map version that moved it), else logs the row's
 * primary key while capture is on. The trigger passes the key column and the primary key columns.
 * It reads the control table, so the fence's ACCESS EXCLUSIVE lock waits for every writer in flight.
 */
const FUNCTION_SQL = `
create or replace function ${FUNCTION}() returns trigger language plpgsql as $$
declare
  r jsonb;
  k text;
  b integer;
  f record;
  pk jsonb := '{}';
  i integer;
begin
  if TG_OP = 'DELETE' then r := to_jsonb(OLD); else r := to_jsonb(NEW); end if;
  if TG_ARGV[0] <> '' then
    k := r ->> TG_ARGV[0];
    b := ('x' || left(k, 2))::bit(8)::integer;
  end if;
  for f in select * from ${CONTROL_TABLE} c where b is null or b between c.lo and c.hi loop
    if f.fenced_version is not null and b is not null then
      raise exception using errcode = '${FENCED_SQLSTATE}',
        message = format('bucket %s of %s moved to another shard at shard map version %s', left(k, 2), TG_TABLE_NAME, f.fenced_version);
    end if;
    if f.capture then
      for i in 1 .. TG_NARGS - 1 loop
        pk := pk || jsonb_build_object(TG_ARGV[i], r -> TG_ARGV[i]);
      end loop;
      insert into ${CHANGES_TABLE} (tbl, pk) values (TG_TABLE_NAME, pk);
    end if;
  end loop;
  return null;
end $$`;

function triggerName(table: ReshardTable): string {
  return `boxoffice_reshard_${table.name}`;
}

/**
 * Installs the control table, the change log and a trigger on every moving table, with the range
 * not captured, and fenced at `fencedVersion` if given (the target, until the switch makes it the
 * range's home: a process with an old map that still names this database is refused, not served).
 * Idempotent (a resumed prepare installs nothing twice).
 */
export async function installCapture(
  db: Knex,
  tables: readonly ReshardTable[],
  range: BucketRange,
  fencedVersion: number | null = null,
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`create table if not exists ${CONTROL_TABLE} (
      singleton boolean primary key default true check (singleton),
      lo integer not null, hi integer not null,
      capture boolean not null default false,
      fenced_version integer)`);
    await trx.raw(`create table if not exists ${CHANGES_TABLE} (
      id bigserial primary key, tbl text not null, pk jsonb not null)`);
    await trx.raw(FUNCTION_SQL);
    await trx.raw(
      `insert into ${CONTROL_TABLE} (lo, hi, fenced_version) values (?, ?, ?) on conflict (singleton) do nothing`,
      [range.lo, range.hi, fencedVersion],
    );
  });
  // One table per transaction: holding one table's trigger lock while waiting for the next
  // table's writers would deadlock with a writer that touches both in the other order.
  for (const table of tables) {
    // Trigger arguments are string literals: the key column ('' for none), then the primary key's.
    const args = [table.key ? ident(table.key) : '""', ...table.pk.map(ident)]
      .map((quoted) => `'${quoted.slice(1, -1)}'`)
      .join(', ');
    await alterTable(db, [
      `drop trigger if exists ${triggerName(table)} on ${ident(table.name)}`,
      `create trigger ${triggerName(table)} after insert or update or delete on ${ident(table.name)}
       for each row execute function ${FUNCTION}(${args})`,
    ]);
  }
}

/**
 * Runs DDL on one table in a transaction of its own, its lock wait bounded (so writers queued
 * behind it wait at most that long), tried again a few times when a long transaction is in the way.
 */
async function alterTable(db: Knex, statements: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (trx) => {
        await trx.raw(`set local lock_timeout = 2000`);
        for (const sql of statements) await trx.raw(sql);
      });
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03' || attempt >= 5) throw err;
    }
  }
}

/** Turns logging of the range's changes on or off. */
export async function setCapture(db: Knex, on: boolean): Promise<void> {
  await db.raw(`update ${CONTROL_TABLE} set capture = ?`, [on]);
}

/** Makes the target the range's home (capture on for the way back, fence off), or takes that back. */
export async function setHome(db: Knex, home: boolean, fencedVersion: number): Promise<void> {
  await db.raw(`update ${CONTROL_TABLE} set capture = ?, fenced_version = ?`, [
    home,
    home ? null : fencedVersion,
  ]);
}

/**
 * Fences the range at `version`: from its commit on, every write to the range fails with BXF01.
 * The ACCESS EXCLUSIVE lock waits for the writers that read the control table before it (their
 * changes are logged and committed when it returns) and holds new ones for as long as it takes,
 * bounded by `lockTimeoutMs`. Throws when the lock is not had in time (nothing is fenced then).
 */
export async function fence(db: Knex, version: number | null, lockTimeoutMs: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await trx.raw(`lock table ${CONTROL_TABLE} in access exclusive mode`);
    await trx.raw(`update ${CONTROL_TABLE} set fenced_version = ?`, [version]);
  });
}

/** Removes the triggers, the function, the change log and the control table. Idempotent. */
export async function dropCapture(db: Knex, tables: readonly ReshardTable[]): Promise<void> {
  // Triggers first, one table at a time, while nothing holds the control table: a writer holding
  // a table's lock and waiting for the control table (its trigger reads it) must never wait for
  // us, nor we for it while holding the control table.
  for (const table of tables) {
    await alterTable(db, [`drop trigger if exists ${triggerName(table)} on ${ident(table.name)}`]);
  }
  await alterTable(db, [
    `drop function if exists ${FUNCTION}() cascade`,
    `drop table if exists ${CHANGES_TABLE}`,
    `drop table if exists ${CONTROL_TABLE}`,
  ]);
}

/**
 * Rows waiting in the change log: the catch-up's lag. Counted up to `cap` when given (the
 * topology page asks every second; a count stops there however long the log is). Marked as a
 * probe, so a service's per-shard statement counts leave it out.
 */
export async function pendingChanges(db: Knex, cap?: number): Promise<number> {
  const from =
    cap === undefined ? CHANGES_TABLE : `(select 1 from ${CHANGES_TABLE} limit ${Math.floor(cap)}) waiting`;
  const { rows } = await db.raw<{ rows: { n: string }[] }>(
    `${PROBE_SQL_MARK} select count(*) as n from ${from}`,
  );
  return Number(rows[0]?.n ?? 0);
}
