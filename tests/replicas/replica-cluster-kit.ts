import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicaCluster, ReplicaClusterOptions, startReplicaCluster } from '@boxoffice/devstack';

/**
 * A throw-away primary with streaming replicas under a fresh temp folder (fsync off: nothing in
 * it outlives the test file). Remove it with `cluster.remove()` in afterAll.
 */
export async function startTestCluster(
  options: Partial<Omit<ReplicaClusterOptions, 'dir'>> = {},
): Promise<ReplicaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'boxoffice-replicas-'));
  return startReplicaCluster({ replicas: 1, durable: false, maxConnections: 200, ...options, dir });
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes (then throws `what`). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}
