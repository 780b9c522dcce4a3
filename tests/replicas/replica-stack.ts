import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type ReplicaCluster, startOnCluster, writeReplicaTopology } from '@boxoffice/devstack';
import { TestStack, startTestStack } from '../support';
import { startTestCluster } from './replica-cluster-kit';

export interface ReplicaStack {
  cluster: ReplicaCluster;
  stack: TestStack;
  /** Stops the stack, then removes the cluster. */
  stop(): Promise<void>;
}

/**
 * The whole system (one instance of each service, the gateway) on a private primary with one real
 * streaming replica: every shard is a database on the primary, listed with its copy on the replica
 * in a topology file, as `REPLICAS=1 npm start` does.
 */
export async function startReplicaStack(
  options: { applyDelayMs?: number; env?: Record<string, string> } = {},
): Promise<ReplicaStack> {
  const cluster = await startTestCluster({ applyDelayMs: options.applyDelayMs ?? 0 });
  return startOnCluster(cluster, async () => {
    const dbPrefix = `r_${randomBytes(3).toString('hex')}_`;
    const topologyFile = join(cluster.dir, 'topology.json');
    writeReplicaTopology(topologyFile, cluster, {
      DB_PREFIX: dbPrefix,
      SHARD_PRESET: 'talk',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    const stack = await startTestStack({
      env: {
        PG_URL: cluster.primary.url,
        DB_PREFIX: dbPrefix,
        TOPOLOGY_FILE: topologyFile,
        REPLICA_POLL_INTERVAL_MS: '100',
        ...options.env,
      },
    });
    return { stack, stop: () => stack.stop() };
  });
}

/** Sums a counter's samples in a Prometheus text page whose labels include every one of `labels`. */
export function counterSum(page: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Every service process's /metrics page. */
export async function servicePages(stack: TestStack): Promise<string[]> {
  const services = stack.processes.filter((p) => p.role !== 'gateway');
  return Promise.all(services.map(async (p) => (await fetch(`${p.url}/metrics`)).text()));
}

/** db_reads_total over every service process, for the given labels. */
export async function readsCounted(stack: TestStack, labels: Record<string, string>): Promise<number> {
  const pages = await servicePages(stack);
  return pages.reduce((sum, page) => sum + counterSum(page, 'db_reads_total', labels), 0);
}
