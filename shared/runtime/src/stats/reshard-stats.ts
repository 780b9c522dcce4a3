import { pendingChanges } from '@boxoffice/reshard';
import { databaseOf } from '@boxoffice/sharding';
import type { ReshardStats } from '@boxoffice/contracts';
import type { ServiceContext } from '../service-context';
import { hostOf } from './shard-stats';

/** The lag is counted up to this many change-log entries: a count costs the same past it. */
export const LAG_COUNT_CAP = 100_000;

/** A database as the page shows it: its name and `host:port`, never the URL (it may hold a password). */
function placeOf(url: string): { database: string; host: string } {
  return { database: databaseOf(url), host: hostOf(url) };
}

/**
 * The resharding of this instance's service in progress (null: none), for the topology page.
 * Reported by the services rather than read by the gateway: a service process already holds the
 * connection to the control database (its map watcher reads the job on it) and a pool on the
 * source shard, where the lag is counted, and the package graph lets the runtime use
 * @boxoffice/reshard; the gateway would need both connections and that dependency for it.
 * Undefined when the control database does not answer (the field is then left out).
 */
export async function reshardStats(ctx: ServiceContext): Promise<ReshardStats | null | undefined> {
  let found;
  try {
    found = await ctx.shardMap.job();
  } catch {
    return undefined;
  }
  if (!found) return null;
  const { state: job, running } = found;
  // Before the switch the source is in this process's map, and its pool counts the log.
  const source = ctx.dbs.router.shards.find((s) => s.primary === job.sourceUrl);
  const lag =
    job.phase !== 'switched' && source
      ? await pendingChanges(ctx.dbs.knexFor(source), LAG_COUNT_CAP).catch(() => null)
      : null;
  const old = new Set(job.oldShards.map((s) => `${s.range} ${s.primary}`));
  return {
    phase: job.phase,
    running,
    range: job.range,
    moving: job.moving,
    source: placeOf(job.sourceUrl),
    target: placeOf(job.targetUrl),
    newShards: job.newShards
      .filter((s) => !old.has(`${s.range} ${s.primary}`))
      .map((s) => ({ range: s.range, ...placeOf(s.primary) })),
    fromVersion: job.fromVersion,
    toVersion: job.toVersion,
    rowsCopied: job.rowsCopied,
    lag,
    pauseMs: job.pauseMs ?? null,
    startedAt: job.startedAt,
  };
}
