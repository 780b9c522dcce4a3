import knex from 'knex';
import {
  ShardRouter,
  databaseOf,
  ensureDatabase,
  migrateLatest,
  stampShardIdentity,
} from '@boxoffice/sharding';
import { ControlStore } from '@boxoffice/reshard';
import { SERVICE_NAMES, ServiceName, Topology } from '@boxoffice/runtime';
import { MIGRATIONS } from '../../migrations';

export interface ShardMigrationReport {
  service: ServiceName;
  shard: string;
  database: string;
  created: boolean;
  applied: string[];
}

/**
 * Creates every missing shard database and applies its service's pending migrations, shard by
 * shard. Idempotent: a second run creates nothing and applies nothing. Throws on the first
 * failure, naming the shard.
 */
export async function migrateAllShards(
  topology: Topology,
  services: readonly ServiceName[] = SERVICE_NAMES,
  onShard: (report: ShardMigrationReport) => void = () => undefined,
): Promise<ShardMigrationReport[]> {
  const reports: ShardMigrationReport[] = [];
  // The control database of the published shard maps, which every process reads at start.
  await ControlStore.ensure(topology.shardMapUrl);
  for (const service of services) {
    const router = new ShardRouter(service, topology.services[service].shards);
    for (const shard of router.shards) {
      const database = databaseOf(shard.primary);
      const db = knex({ client: 'pg', connection: shard.primary, pool: { min: 0, max: 1 } });
      try {
        const created = await ensureDatabase(shard.primary);
        const applied = await migrateLatest(db, MIGRATIONS[service]);
        await stampShardIdentity(db, service, shard);
        const report = { service, shard: shard.name, database, created, applied };
        reports.push(report);
        onShard(report);
      } catch (err) {
        throw new Error(
          `migrating ${service} shard ${shard.name} (${database}) failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      } finally {
        await db.destroy();
      }
    }
  }
  return reports;
}
