import type { Knex } from 'knex';
import { formatBucketRange } from '../keys/bucket-range';
import type { ShardSpec } from '../keys/shard-map';
import type { Migration } from './migrations';
import { PROBE_SQL_MARK } from './shard-databases';

const TABLE = 'boxoffice_shard';

/**
 * Every shard database records which service and bucket range it holds. A process refuses a
 * database that holds another service's or another range's rows: two shards pointed at one
 * database by a typo would otherwise silently mix data.
 */
export const shardIdentityMigration: Migration = {
  name: '0000_shard_identity',
  async up(db) {
    await db.schema.createTable(TABLE, (t) => {
      t.boolean('singleton').primary().defaultTo(true);
      t.text('service').notNullable();
      t.text('bucket_range').notNullable();
      t.timestamp('stamped_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    });
    await db.raw(`alter table ${TABLE} add constraint ${TABLE}_one_row check (singleton)`);
  },
  async down(db) {
    await db.schema.dropTableIfExists(TABLE);
  },
};

/** Stamps a fresh shard, or checks an existing stamp; throws naming the mismatch. */
export async function stampShardIdentity(db: Knex, service: string, shard: ShardSpec): Promise<void> {
  const range = formatBucketRange(shard.range);
  await db(TABLE).insert({ singleton: true, service, bucket_range: range }).onConflict('singleton').ignore();
  await assertShardIdentity(db, service, shard);
}

/**
 * Checks the database's stamp against the shard it is used as; throws naming the mismatch. A
 * probe (/readyz asks it every time, per shard): marked so the statement counts leave it out.
 */
export async function assertShardIdentity(db: Knex, service: string, shard: ShardSpec): Promise<void> {
  const range = formatBucketRange(shard.range);
  const { rows } = await db.raw<{ rows: { service: string; bucket_range: string }[] }>(
    `${PROBE_SQL_MARK} select service, bucket_range from ${TABLE} limit 1`,
  );
  const row = rows[0];
  if (!row) throw new Error(`shard ${service}_${shard.name} is not migrated (run npm run migrate)`);
  if (row.service !== service || row.bucket_range !== range) {
    throw new Error(
      `database of shard ${service}_${shard.name} (${range}) holds ${row.service} ${row.bucket_range}: two shards point at one database?`,
    );
  }
}
