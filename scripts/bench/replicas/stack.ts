import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicaCluster, startOnCluster, startReplicaCluster } from '../../replicas/replica-cluster';
import { replicaTopologyFile } from '../../replicas/replica-topology';
import { startStack } from '../../stack/start-stack';

export interface ReplicaBenchStack {
  cluster: ReplicaCluster;
  gatewayUrl: string;
  serviceUrls: string[];
  /** Stops every process, removes the stack's data, then stops the cluster and deletes its folder. */
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
  const dir = mkdtempSync(join(tmpdir(), 'boxoffice-bench-replicas-'));
  const cluster = await startReplicaCluster({ dir, replicas: 1, applyDelayMs, durable: false });
  const stack = await startOnCluster(cluster, () =>
    startStack({
      label: 'rb',
      env: { PG_URL: cluster.primary.url, ...env },
      topology: (_prefix, config) => replicaTopologyFile(cluster, config),
      logDir: join(dir, 'logs'),
      readyTimeoutMs: 240_000,
    }),
  );
  return {
    cluster,
    gatewayUrl: stack.gatewayUrl,
    serviceUrls: Object.values(stack.serviceUrls).flat(),
    stop: () => stack.stop(),
  };
}

/** db_reads_total summed over the services' /metrics, by target and reason (of one shard name, if given). */
export async function readsByTarget(serviceUrls: string[], shard?: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const url of serviceUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('db_reads_total{')) continue;
      if (shard !== undefined && !line.includes(`shard="${shard}"`)) continue;
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
