import { percent } from './text-table';
import type { CacheLevelName, CacheStats } from './load-result';

/** cache_requests_total summed over instances: "entity level" → result → count. */
export type CacheCounts = Map<string, Map<string, number>>;

const LINE = /^cache_requests_total\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const RESULTS = ['hit', 'miss', 'negative_hit', 'stale', 'error', 'bypass'] as const;

/**
 * Adds the cache_requests_total samples of one Prometheus text exposition to `into`. A sample
 * without a `level` (a service from before the in-process cache) counts as l2, Redis.
 */
export function parseCacheCounts(text: string, into: CacheCounts = new Map()): CacheCounts {
  for (const line of text.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    const key = `${labels.entity ?? 'unknown'} ${labels.level ?? 'l2'}`;
    const result = labels.result ?? 'unknown';
    const byResult = into.get(key) ?? new Map<string, number>();
    byResult.set(result, (byResult.get(result) ?? 0) + Number(match[2]));
    into.set(key, byResult);
  }
  return into;
}

/** The lookups between two scrapes, per entity and level, with the hit ratio of each. */
export function cacheDelta(before: CacheCounts, after: CacheCounts): CacheStats[] {
  const stats: CacheStats[] = [];
  for (const [key, results] of [...after].sort((a, b) => a[0].localeCompare(b[0]))) {
    const [entity, level] = key.split(' ') as [string, CacheLevelName];
    const d = (result: (typeof RESULTS)[number]) =>
      (results.get(result) ?? 0) - (before.get(key)?.get(result) ?? 0);
    const s = {
      entity,
      level,
      hit: d('hit'),
      miss: d('miss'),
      negativeHit: d('negative_hit'),
      stale: d('stale'),
      error: d('error'),
      bypass: d('bypass'),
    };
    const lookups = RESULTS.reduce((n, r) => n + d(r), 0);
    if (lookups === 0) continue;
    stats.push({ ...s, hitRatio: (s.hit + s.negativeHit) / lookups });
  }
  return stats;
}

/** Hits over lookups at one level, over every entity; null when that level saw no lookups. */
export function levelHitRatio(stats: readonly CacheStats[] | null, level: CacheLevelName): number | null {
  const at = (stats ?? []).filter((s) => (s.level ?? 'l2') === level);
  const hits = at.reduce((n, s) => n + s.hit + s.negativeHit, 0);
  const lookups = at.reduce(
    (n, s) => n + s.hit + s.negativeHit + s.miss + (s.stale ?? 0) + s.error + s.bypass,
    0,
  );
  return lookups === 0 ? null : hits / lookups;
}

/**
 * Lookups answered without the shard, over every entity: 1 − loads / lookups, where lookups are
 * counted at the first level an entity has (l1 when the process has memory) and loads are what
 * reached the shard (l2 misses, stale copies, errors, bypasses).
 */
export function overallHitRatio(stats: readonly CacheStats[] | null): number | null {
  if (!stats || stats.length === 0) return null;
  const withMemory = new Set(stats.filter((c) => c.level === 'l1').map((c) => c.entity));
  // A memory-only cache (the listing's pages) has no l2: what its l1 did not answer reached the shards.
  const withRedis = new Set(stats.filter((c) => (c.level ?? 'l2') === 'l2').map((c) => c.entity));
  let lookups = 0;
  let loads = 0;
  for (const c of stats) {
    const level = c.level ?? 'l2';
    const all = c.hit + c.negativeHit + c.miss + (c.stale ?? 0) + c.error + c.bypass;
    const notAnswered = c.miss + (c.stale ?? 0) + c.error + c.bypass;
    if (level === 'l1' || !withMemory.has(c.entity)) lookups += all;
    if (level === 'l2' || !withRedis.has(c.entity)) loads += notAnswered;
  }
  return lookups === 0 ? null : 1 - loads / lookups;
}

/** One line for the reports: both levels' hit ratios and the share that never reached a shard. */
export function cacheRatiosLine(stats: readonly CacheStats[]): string {
  const show = (v: number | null) => (v === null ? '—' : percent(v));
  return (
    `l1 (memory) hit ratio ${show(levelHitRatio(stats, 'l1'))} · l2 (Redis) hit ratio ${show(levelHitRatio(stats, 'l2'))}` +
    ` · answered without the shard ${show(overallHitRatio(stats))}`
  );
}

/** Scrapes every URL's /metrics; unreachable ones are skipped and named in `missing`. */
export async function scrapeCacheCounts(
  serviceUrls: readonly string[],
): Promise<{ counts: CacheCounts; missing: string[] }> {
  const counts: CacheCounts = new Map();
  const missing: string[] = [];
  await Promise.all(
    serviceUrls.map(async (url) => {
      try {
        const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
        if (res.status !== 200) throw new Error(String(res.status));
        parseCacheCounts(await res.text(), counts);
      } catch {
        missing.push(url);
      }
    }),
  );
  return { counts, missing };
}

/** The cache table's columns after the first (which each report names itself), and its rows. */
export const CACHE_COLUMNS = [
  'level',
  'hit',
  'miss',
  'negative hit',
  'stale',
  'error',
  'bypass',
  'hit ratio',
];

export function cacheRows(stats: readonly CacheStats[]): string[][] {
  return stats.map((c) => [
    c.entity,
    c.level ?? 'l2',
    String(c.hit),
    String(c.miss),
    String(c.negativeHit),
    String(c.stale ?? 0),
    String(c.error),
    String(c.bypass),
    percent(c.hitRatio),
  ]);
}
