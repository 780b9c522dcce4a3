import { databaseOf, formatBucketRange } from '@boxoffice/sharding';
import { type CacheCounts, type ReshardStats, type ShardStats } from '@boxoffice/contracts';
import { type ServiceName, type ServiceTopology, hostOf } from '@boxoffice/runtime';
import {
  CACHE_DOWN_EFFECT,
  CACHE_OFF_EFFECT,
  CACHE_UNUSED_EFFECT,
  instanceDownEffect,
  instanceNotReadyEffect,
  serviceDownEffect,
  shardDownEffect,
  shardSlowEffect,
} from './effects';
import type { InstanceSample } from './instance-sample';
import { p99Between, ratePerSecond, round, sumOfRates } from './rates';
import type { CacheView, InstanceView, ReshardView, ServiceView, ShardView } from './topology-schema';

/** A shard whose stats query takes longer than this is drawn as slow (ms): an idle local shard answers in ~1 ms, a loaded 2-core laptop in up to ~200. */
export const SLOW_SHARD_MS = 500;

/** An instance's figures now and at the previous poll (only if it is the same process). */
export interface SamplePair {
  current: InstanceSample;
  previous: InstanceSample | undefined;
}

/** Pairs each instance with its previous sample, dropped when the process restarted in between. */
export function pairSamples(current: InstanceSample[], previous: InstanceSample[] = []): SamplePair[] {
  return current.map((sample) => {
    const before = previous.find((p) => p.url === sample.url);
    const samePid = before?.stats && sample.stats && before.stats.pid === sample.stats.pid;
    return { current: sample, previous: samePid ? before : undefined };
  });
}

/** The URL without user or password, should one ever be configured in it. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid url)';
  }
}

function instanceViews(pairs: SamplePair[], seconds: number | null): InstanceView[] {
  const upCount = pairs.filter((p) => p.current.readiness.state !== 'down').length;
  return pairs.map(({ current, previous }) => {
    const state = current.readiness.state;
    const stats = current.stats;
    return {
      url: displayUrl(current.url),
      name: stats?.instance ?? null,
      state,
      reason: current.readiness.reason,
      pid: stats?.pid ?? null,
      requestsPerSecond: stats ? ratePerSecond(stats.http.count, previous?.stats?.http.count, seconds) : null,
      p99Ms: stats && previous?.stats ? p99Between(stats.http, previous.stats.http) : null,
      shardMapVersion: stats?.shardMapVersion ?? null,
      effect:
        state === 'down'
          ? instanceDownEffect(upCount)
          : state === 'not_ready'
            ? instanceNotReadyEffect()
            : null,
    };
  });
}

/** A shard's part in the resharding in progress, by its database. */
function reshardRole(database: string, reshard: ReshardStats | null): ShardView['reshard'] {
  if (reshard?.target.database === database) return 'target';
  if (reshard?.source.database === database) return 'source';
  return null;
}

function shardView(
  service: ServiceName,
  outline: Pick<ShardView, 'name' | 'range' | 'database' | 'host'>,
  reported: ShardStats | undefined,
  pairs: SamplePair[],
  seconds: number | null,
  reshard: ReshardStats | null,
): ShardView {
  const queriesPerSecond = sumOfRates(
    pairs.map((p) => ({ current: p.current.stats, previous: p.previous?.stats })),
    (stats) => stats?.shardQueries[outline.name],
    seconds,
  );
  const role = reshardRole(outline.database, reshard);
  if (!reported) {
    return {
      ...outline,
      state: 'unknown',
      reason: 'no instance answered',
      latencyMs: null,
      queriesPerSecond,
      rows: {},
      rowsTotal: null,
      outboxUnsent: null,
      replicas: [],
      reshard: role,
      effect: null,
    };
  }
  const slow = reported.state === 'up' && (reported.latencyMs ?? 0) > SLOW_SHARD_MS;
  const state = reported.state === 'down' ? 'down' : slow ? 'slow' : 'up';
  return {
    ...outline,
    host: reported.host,
    database: reported.database,
    state,
    reason: reported.reason ?? null,
    latencyMs: reported.latencyMs,
    queriesPerSecond,
    rows: reported.rows,
    rowsTotal: Object.values(reported.rows).reduce((a, b) => a + b, 0),
    outboxUnsent: reported.outboxUnsent,
    replicas: reported.replicas.map((r) => ({ host: r.host, state: r.state, lagSeconds: r.lagSeconds })),
    reshard: role,
    effect:
      state === 'down'
        ? shardDownEffect(service, outline.range)
        : state === 'slow'
          ? shardSlowEffect(outline.range, reported.latencyMs ?? 0)
          : null,
  };
}

type Level = 'memory' | 'redis';

function sumCache(samples: (InstanceSample | undefined)[], level: Level): CacheCounts | null {
  let total: CacheCounts | null = null;
  for (const cache of samples.map((s) => s?.stats?.cache?.[level])) {
    if (!cache) continue;
    total ??= { hits: 0, negativeHits: 0, misses: 0, errors: 0, stale: 0, bypass: 0 };
    for (const key of Object.keys(total) as (keyof CacheCounts)[]) total[key] += cache[key];
  }
  return total;
}

const hitsOf = (c: CacheCounts) => c.hits + c.negativeHits;
const lookupsOf = (c: CacheCounts) => c.hits + c.negativeHits + c.misses + c.errors + c.stale;

/** Hits per lookup of one level over the window (instances seen at both polls), and since start. */
function levelFigures(pairs: SamplePair[], level: Level, seconds: number | null) {
  const counted = pairs.filter((p) => p.previous);
  const now = sumCache(
    counted.map((p) => p.current),
    level,
  );
  const before = sumCache(
    counted.map((p) => p.previous),
    level,
  );
  const lifetime = sumCache(
    pairs.map((p) => p.current),
    level,
  );
  const windowLookups = now && before ? lookupsOf(now) - lookupsOf(before) : 0;
  return {
    hitRatio:
      now && before && windowLookups > 0 ? round((hitsOf(now) - hitsOf(before)) / windowLookups, 3) : null,
    lookupsPerSecond: now && before ? ratePerSecond(lookupsOf(now), lookupsOf(before), seconds) : null,
    lifetimeHitRatio:
      lifetime && lookupsOf(lifetime) > 0 ? round(hitsOf(lifetime) / lookupsOf(lifetime), 3) : null,
    off: lifetime !== null && lifetime.bypass > 0 && lookupsOf(lifetime) === 0,
  };
}

function cacheView(pairs: SamplePair[], seconds: number | null): CacheView {
  const checks = pairs.map((p) => p.current.readiness.checks['redis cache']).filter((c) => c !== undefined);
  const redis = levelFigures(pairs, 'redis', seconds);
  const memory = levelFigures(pairs, 'memory', seconds);
  // Every instance answered, and none has an entity cache: nothing to show but that.
  const sampled = pairs.map((p) => p.current.stats).filter((s) => s !== null);
  const unused =
    sampled.length > 0 && sampled.length === pairs.length && sampled.every((s) => s.cache === null);
  const state = redis.off
    ? 'off'
    : unused
      ? 'unused'
      : checks.length === 0
        ? 'unknown'
        : checks.includes('ok')
          ? 'up'
          : 'down';
  return {
    state,
    hitRatio: redis.hitRatio,
    lookupsPerSecond: redis.lookupsPerSecond,
    lifetimeHitRatio: redis.lifetimeHitRatio,
    memoryHitRatio: memory.hitRatio,
    memoryLookupsPerSecond: memory.lookupsPerSecond,
    effect:
      state === 'down'
        ? CACHE_DOWN_EFFECT
        : state === 'off'
          ? CACHE_OFF_EFFECT
          : state === 'unused'
            ? CACHE_UNUSED_EFFECT
            : null,
  };
}

/**
 * The service's resharding as the first instance that reports one has it (every instance reads
 * the same job; one asked a moment earlier may have seen none yet), with what to run next when no
 * command is working on it.
 */
export function reshardView(service: ServiceName, pairs: SamplePair[]): ReshardView | null {
  const reported = pairs.map((p) => p.current.stats?.reshard).find((r) => r);
  if (!reported) return null;
  const command = `npm run reshard -- ${service}`;
  const note = reported.running
    ? null
    : reported.phase === 'switched'
      ? `map version ${reported.toVersion} is published and the old layout kept: ${command} complete (or abort)`
      : `stopped before ${reported.phase}: ${command} resume (or abort)`;
  return { ...reported, note };
}

/** One service as the page draws it: its instances, cache and shards, with rates over `seconds`. */
export function serviceView(
  service: ServiceName,
  topology: ServiceTopology,
  pairs: SamplePair[],
  seconds: number | null,
): ServiceView {
  const instances = instanceViews(pairs, seconds);
  const reshard = reshardView(service, pairs);
  const reporter = pairs.find((p) => p.current.stats?.shards)?.current.stats?.shards;
  // The shard list the instances report wins; the gateway's own topology is the outline when none answers.
  const outlines = (reporter ?? []).length
    ? reporter!.map((s) => ({ name: s.name, range: s.range, database: s.database, host: s.host }))
    : topology.shards.map((s) => ({
        name: s.name,
        range: formatBucketRange(s.range),
        database: databaseOf(s.primary),
        host: hostOf(s.primary),
      }));
  const shards = outlines.map((outline) =>
    shardView(
      service,
      outline,
      reporter?.find((s) => s.name === outline.name),
      pairs,
      seconds,
      reshard,
    ),
  );
  const up = instances.filter((i) => i.state !== 'down').length;
  const healthy = up === instances.length && shards.every((s) => s.state === 'up');
  return {
    name: service,
    state: up === 0 ? 'down' : healthy ? 'up' : 'degraded',
    effect: up === 0 ? serviceDownEffect(service) : null,
    instances,
    cache: cacheView(pairs, seconds),
    shards,
    reshard,
  };
}
