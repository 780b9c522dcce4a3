import knex from 'knex';
import { Migration, appliedMigrations, databaseOf } from '@boxoffice/sharding';
import { ServiceName, Topology } from '@boxoffice/runtime';

const ignore = () => undefined;

/** The names of `expected` not in `applied`, in order: what a shard still lacks. */
export function missingMigrations(expected: readonly Migration[], applied: readonly string[]): string[] {
  const done = new Set(applied);
  return expected.map((migration) => migration.name).filter((name) => !done.has(name));
}

/**
 * One line per shard of `service` that does not have every migration of `expected` yet — it
 * lacks some, or cannot be asked (its server or database is not there yet) — and none when all
 * have them. Only reads: creating and migrating is `scripts/migrate.ts`'s job.
 */
export async function shardsBehind(
  topology: Topology,
  service: ServiceName,
  expected: readonly Migration[],
): Promise<string[]> {
  const behind: string[] = [];
  for (const shard of topology.services[service].shards) {
    const database = databaseOf(shard.primary);
    const db = knex({
      client: 'pg',
      connection: { connectionString: shard.primary, connectionTimeoutMillis: 3000 },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 5000,
      // knex would print each failed connect with its stack; the failure is in the line returned.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
    });
    try {
      const missing = missingMigrations(expected, await appliedMigrations(db));
      if (missing.length > 0) behind.push(`${database} lacks ${missing.join(', ')}`);
    } catch (err) {
      behind.push(`${database}: ${(err as Error).message}`);
    } finally {
      await db.destroy();
    }
  }
  return behind;
}
