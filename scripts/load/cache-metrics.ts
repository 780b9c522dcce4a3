import { percent } from './text-table';
import type { CacheStats } from './load-result';

/** cache_requests_total summed over instances: entity → result → count. */
export type CacheCounts = Map<string, Map<string, number>>;

const LINE = /^cache_requests_total\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Adds the cache_requests_total samples of one Prometheus text exposition to `into`. */
export function parseCacheCounts(text: string, into: CacheCounts = new Map()): CacheCounts {
  for (const line of text.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    const entity = labels.entity ?? 'unknown';
    const result = labels.result ?? 'unknown';
    const byResult = into.get(entity) ?? new Map<string, number>();
    byResult.set(result, (byResult.get(result) ?? 0) + Number(match[2]));
    into.set(entity, byResult);
  }
  return into;
}

/** The lookups between two scrapes, per entity, with the hit ratio. */
export function cacheDelta(before: CacheCounts, after: CacheCounts): CacheStats[] {
  const stats: CacheStats[] = [];
  for (const [entity, results] of [...after].sort((a, b) => a[0].localeCompare(b[0]))) {
    const d = (result: string) => (results.get(result) ?? 0) - (before.get(entity)?.get(result) ?? 0);
    const s = {
      entity,
      hit: d('hit'),
      miss: d('miss'),
      negativeHit: d('negative_hit'),
      error: d('error'),
      bypass: d('bypass'),
    };
    const lookups = s.hit + s.miss + s.negativeHit + s.error + s.bypass;
    if (lookups === 0) continue;
    stats.push({ ...s, hitRatio: (s.hit + s.negativeHit) / lookups });
  }
  return stats;
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
export const CACHE_COLUMNS = ['hit', 'miss', 'negative hit', 'error', 'bypass', 'hit ratio'];

export function cacheRows(stats: readonly CacheStats[]): string[][] {
  return stats.map((c) => [
    c.entity,
    String(c.hit),
    String(c.miss),
    String(c.negativeHit),
    String(c.error),
    String(c.bypass),
    percent(c.hitRatio),
  ]);
}
