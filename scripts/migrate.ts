/**
 * `npm run migrate`: create missing shard databases and migrate every shard of every service.
 * Reads the same configuration as the services (PG_URL, SHARD_PRESET, TOPOLOGY_FILE, DB_PREFIX).
 */
import { loadConfig } from '@boxoffice/platform';
import { loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { migrateAllShards } from './stack/migrate-shards';

async function main(): Promise<void> {
  const config = loadConfig(platformEnvSchema, process.env);
  const topology = loadTopology(config);
  const reports = await migrateAllShards(topology, undefined, (r) => {
    const created = r.created ? 'created' : 'exists ';
    const applied = r.applied.length ? `applied ${r.applied.join(', ')}` : 'up to date';
    console.log(
      `${r.service.padEnd(8)} ${r.shard.padEnd(6)} ${r.database.padEnd(28)} ${created}  ${applied}`,
    );
  });
  console.log(`migrated ${reports.length} shards`);
}

main().catch((err: Error) => {
  console.error(`migrate: ${err.message}`);
  process.exit(1);
});
