import type { ReadinessCheck } from '@boxoffice/platform';
import type { ShardDatabases } from '@boxoffice/sharding';

/**
 * One /readyz entry per replica server, `replica <host:port>`: "ok", or "degraded: …" when it is
 * down or beyond the lag bound. Never a failure: reads fall back to the primary, so a process
 * without its replicas is slower, not unready.
 */
export function replicaReadiness(dbs: ShardDatabases): Record<string, ReadinessCheck> {
  const replicas = dbs.replicas;
  if (!replicas) return {};
  const checks: Record<string, ReadinessCheck> = {};
  for (const { name } of replicas.status()) {
    checks[`replica ${name}`] = async () => replicas.status().find((s) => s.name === name)?.status ?? 'ok';
  }
  return checks;
}
