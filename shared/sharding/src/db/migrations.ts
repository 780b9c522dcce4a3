import type { Knex } from 'knex';

/** One schema change, written in TypeScript and applied to every shard of its service. */
export interface Migration {
  /** Unique and sortable, e.g. "0001_users". Never rename one that has shipped. */
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/**
 * A knex migration source over an explicit, ordered list. Listing migrations in code (instead
 * of letting knex scan a folder) works the same under tsx, jest and a bundled build.
 */
class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly migrations: readonly Migration[]) {}
  async getMigrations(): Promise<Migration[]> {
    return [...this.migrations];
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  async getMigration(migration: Migration): Promise<Knex.Migration> {
    return { up: (db) => migration.up(db), down: (db) => migration.down(db) };
  }
}

/** Applies what is pending; returns the names applied now (empty when already up to date). */
export async function migrateLatest(db: Knex, migrations: readonly Migration[]): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: new ListMigrationSource(migrations) })) as [
    number,
    string[],
  ];
  return applied;
}

/** Names of the migrations applied to this database, in order. */
export async function appliedMigrations(db: Knex): Promise<string[]> {
  const exists = await db.schema.hasTable('knex_migrations');
  if (!exists) return [];
  const rows = await db('knex_migrations').select('name').orderBy('id');
  return rows.map((row: { name: string }) => row.name);
}
