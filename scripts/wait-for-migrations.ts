/**
 * `node scripts/wait-for-migrations.js <service>`: the init container of each service's pods on
 * Kubernetes (deploy/kubernetes/base). Waits until every shard of the service has every migration
 * this image carries — until the migrate Job has run for this image — then exits 0 and the
 * service starts. Reads the same configuration as the service (TOPOLOGY_FILE, PGPASSWORD, …).
 * Asks every 5 s and says what it waits for; a configuration error exits 1 at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@boxoffice/platform';
import { SERVICE_NAMES, ServiceName, loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { MIGRATIONS } from '../migrations';
import { shardsBehind } from './lib/pending-migrations';

const INTERVAL_MS = 5000;

async function main(): Promise<void> {
  const service = process.argv[2] as ServiceName;
  if (!SERVICE_NAMES.includes(service)) {
    throw new Error(`usage: wait-for-migrations <${SERVICE_NAMES.join('|')}>`);
  }
  const topology = loadTopology(loadConfig(platformEnvSchema, process.env));
  for (;;) {
    const behind = await shardsBehind(topology, service, MIGRATIONS[service]);
    if (behind.length === 0) break;
    console.log(`waiting for the migrate job: ${behind.join('; ')}`);
    await sleep(INTERVAL_MS);
  }
  console.log(`every ${service} shard is migrated`);
}

main().catch((err: Error) => {
  console.error(`wait-for-migrations: ${err.message}`);
  process.exit(1);
});
