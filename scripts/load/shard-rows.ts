import { ShardDatabases, ShardRouter } from '@boxoffice/sharding';
import { SERVICE_NAMES, ServiceName, Topology } from '@boxoffice/runtime';

/** The tables whose rows the report counts per shard (the ones a scenario grows). */
export const COUNTED_TABLES: Readonly<Record<ServiceName, readonly string[]>> = {
  users: ['users', 'email_index'],
  events: ['events'],
  tickets: ['orders', 'tickets'],
};

/** "events 9-f" → table → rows. */
export type ShardRows = Map<string, Record<string, number>>;

/**
 * Counts rows per shard by asking every shard database directly (the services offer no such
 * endpoint, on purpose). A table that does not exist yet is left out; a shard that cannot be
 * reached throws, and the caller reports rows as unknown.
 */
export async function countShardRows(
  topology: Topology,
  services: readonly ServiceName[] = SERVICE_NAMES,
): Promise<ShardRows> {
  const rows: ShardRows = new Map();
  await Promise.all(
    services.map(async (service) => {
      const router = new ShardRouter(service, topology.services[service].shards);
      const dbs = new ShardDatabases(router, { poolMax: 2 });
      try {
        for (const shard of router.shards) {
          const counts = await dbs.runOn(shard, async (db) => {
            const found: Record<string, number> = {};
            for (const table of COUNTED_TABLES[service]) {
              if (!(await db.schema.hasTable(table))) continue;
              const [row] = await db(table).count<{ count: string }[]>({ count: '*' });
              found[table] = Number(row?.count ?? 0);
            }
            return found;
          });
          rows.set(`${service} ${shard.name.replace('_', '-')}`, counts);
        }
      } finally {
        await dbs.destroy();
      }
    }),
  );
  return rows;
}
