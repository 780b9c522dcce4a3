import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@boxoffice/platform';
import { SERVICE_NAMES, buildTopology, platformEnvSchema } from '@boxoffice/runtime';
import { migrateAllShards } from './migrate-shards';
import {
  RunningProcess,
  freePort,
  inheritedEnv,
  planStack,
  startPlannedStack,
  stopProcess,
} from './process-stack';
import { ReplicaCluster, startReplicaCluster } from './replica-cluster';
import { removePrefixedData } from './remove-prefixed-data';
import { writeReplicaTopology } from './replica-topology';

export interface ReplicaBenchStack {
  cluster: ReplicaCluster;
  gatewayUrl: string;
  serviceUrls: string[];
  /** Stops every process and the cluster, deletes the cluster folder and the Redis keys. */
  stop(): Promise<void>;
}

/**
 * A private stack (one instance per service, the gateway) on a private primary with one
 * streaming replica replaying `applyDelayMs` behind, everything under a temp folder and fresh
 * prefixes. Generous ready timeouts: this runs on loaded laptops and CI machines.
 */
export async function startReplicaBenchStack(
  applyDelayMs: number,
  env: Record<string, string>,
): Promise<ReplicaBenchStack> {
  const prefix = `rb_${randomBytes(3).toString('hex')}_`;
  const dir = mkdtempSync(join(tmpdir(), 'boxoffice-bench-replicas-'));
  const cluster = await startReplicaCluster({ dir, replicas: 1, applyDelayMs, durable: false });
  const inherited = inheritedEnv();
  const stackEnv: Record<string, string> = {
    ...inherited,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    PG_URL: cluster.primary.url,
    DB_PREFIX: prefix,
    KEY_PREFIX: prefix,
    TOPOLOGY_FILE: join(dir, 'topology.json'),
    ...env,
  };
  delete stackEnv.PORT_BASE;
  const config = loadConfig(platformEnvSchema, stackEnv);
  writeReplicaTopology(stackEnv.TOPOLOGY_FILE!, cluster, config);
  const running: RunningProcess[] = [];
  const stop = async () => {
    await Promise.all([...running].reverse().map((p) => stopProcess(p, 5000)));
    await cluster.remove();
    await removePrefixedData(cluster.primary.url, config.REDIS_URL, prefix).catch(() => undefined);
  };
  try {
    await migrateAllShards(buildTopology(config), SERVICE_NAMES);
    const ports = {
      gateway: await freePort(),
      users: await freePort(),
      events: await freePort(),
      tickets: await freePort(),
    };
    const specs = planStack({ instances: 1, ports, env: stackEnv });
    const logDir = join(dir, 'logs');
    await startPlannedStack(specs, logDir, running, 240_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    cluster,
    gatewayUrl: running.find((p) => p.role === 'gateway')!.url,
    serviceUrls: running.filter((p) => p.role !== 'gateway').map((p) => p.url),
    stop,
  };
}

/** db_reads_total summed over the services' /metrics, by target and reason. */
export async function readsByTarget(serviceUrls: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const url of serviceUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('db_reads_total{')) continue;
      const target = /target="([^"]+)"/.exec(line)?.[1];
      const reason = /reason="([^"]+)"/.exec(line)?.[1];
      const key = `${target}/${reason}`;
      counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return counts;
}

/** `after - before`, per key. */
export function countsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)]));
}
