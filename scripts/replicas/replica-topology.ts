import { writeFileSync } from 'node:fs';
import { databaseOf, formatBucketRange, withDatabase } from '@boxoffice/sharding';
import { PlatformEnv, SERVICE_NAMES, Topology, TopologyFile, buildTopology } from '@boxoffice/runtime';
import type { ReplicaCluster } from './replica-cluster';

/**
 * The topology of a stack on a replica cluster: every shard of every service is a database on the
 * cluster's primary (named as usual, with DB_PREFIX), and each replica server holds the same
 * database as a streaming copy, listed under `replicas`. Caches, bus and instances are left out,
 * so they come from the environment as without a topology file.
 */
export function replicaTopologyFile(
  cluster: Pick<ReplicaCluster, 'primary' | 'replicas'>,
  env: Pick<PlatformEnv, 'DB_PREFIX' | 'SHARD_PRESET' | 'REDIS_URL'>,
): TopologyFile {
  const onPrimary: Topology = buildTopology({ ...env, PG_URL: cluster.primary.url } as PlatformEnv);
  const services: TopologyFile['services'] = {};
  for (const service of SERVICE_NAMES) {
    services[service] = {
      shards: onPrimary.services[service].shards.map((shard) => ({
        range: formatBucketRange(shard.range),
        primary: shard.primary,
        replicas: cluster.replicas.map((replica) => withDatabase(replica.url, databaseOf(shard.primary))),
      })),
    };
  }
  return { services };
}

/** Writes the topology file of `cluster` to `path` (for TOPOLOGY_FILE). */
export function writeReplicaTopology(
  path: string,
  cluster: Pick<ReplicaCluster, 'primary' | 'replicas'>,
  env: Pick<PlatformEnv, 'DB_PREFIX' | 'SHARD_PRESET' | 'REDIS_URL'>,
): void {
  writeFileSync(path, `${JSON.stringify(replicaTopologyFile(cluster, env), null, 2)}\n`);
}
