import { randomBytes } from 'node:crypto';
import knex, { Knex } from 'knex';
import { Migration, dropDatabase, ensureDatabase, migrateLatest, withDatabase } from '@boxoffice/sharding';

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** `t_<random>`: a name no other test run uses. */
export function randomName(): string {
  return `t_${randomBytes(5).toString('hex')}`;
}

/** A fresh database with the given migrations, and a function dropping it. */
export async function createTestDatabase(
  migrations: Migration[],
): Promise<{ url: string; db: Knex; drop: () => Promise<void> }> {
  const url = withDatabase(PG_URL, `${randomName()}_bus`);
  await ensureDatabase(url);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 5 } });
  await migrateLatest(db, migrations);
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}
