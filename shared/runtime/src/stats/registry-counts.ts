import type { Registry } from 'prom-client';
import type { BusCounts } from '@boxoffice/bus';
import type { CacheCounts, HttpCounts } from '@boxoffice/contracts';

type Labels = Record<string, string | number | undefined>;
interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

async function valuesOf(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as MetricValue[];
}

/** Routes that are the platform watching itself, not traffic: the page must not count its own polling. */
const OWN_ROUTES = /^\/(healthz|readyz|metrics|internal\/|admin)/;

/**
 * The HTTP request histogram (shared/platform/src/http/metrics.ts) summed over method, route and status,
 * leaving out probes, /metrics, /internal/* and /admin. Cumulative since the process started.
 */
export async function httpCounts(registry: Registry): Promise<HttpCounts> {
  const buckets = new Map<number, number>();
  let count = 0;
  for (const v of await valuesOf(registry, 'http_request_duration_seconds')) {
    if (OWN_ROUTES.test(String(v.labels.route ?? ''))) continue;
    if (v.metricName?.endsWith('_count')) count += v.value;
    else if (v.metricName?.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  return { count, buckets: sorted.map(([le, n]) => [Number.isFinite(le) ? le : null, n]) };
}

const emptyCache = (): CacheCounts => ({
  hits: 0,
  negativeHits: 0,
  misses: 0,
  errors: 0,
  stale: 0,
  bypass: 0,
});
const CACHE_FIELDS: Record<string, keyof CacheCounts> = {
  hit: 'hits',
  negative_hit: 'negativeHits',
  miss: 'misses',
  error: 'errors',
  stale: 'stale',
  bypass: 'bypass',
};

/**
 * The entity caches' lookups by result (shared/cache/src), summed over entities, per level:
 * `l1` (this process's memory) and `l2` (Redis). Null before the first lookup.
 */
export async function cacheCounts(
  registry: Registry,
): Promise<{ memory: CacheCounts | null; redis: CacheCounts } | null> {
  const values = await valuesOf(registry, 'cache_requests_total');
  if (values.length === 0) return null;
  const redis = emptyCache();
  let memory: CacheCounts | null = null;
  for (const v of values) {
    const key = CACHE_FIELDS[String(v.labels.result)];
    if (!key) continue;
    const level = v.labels.level === 'l1' ? (memory ??= emptyCache()) : redis;
    level[key] += v.value;
  }
  return { memory, redis };
}

/** The bus's counters (shared/bus/src/bus-metrics.ts) per topic and group. */
export async function busCounts(registry: Registry): Promise<BusCounts[]> {
  const rows = new Map<string, BusCounts>();
  const add = async (metric: string, field: keyof Omit<BusCounts, 'topic' | 'group'>) => {
    for (const v of await valuesOf(registry, metric)) {
      const topic = String(v.labels.topic ?? '');
      const group = v.labels.group === undefined ? null : String(v.labels.group);
      const id = `${topic}\u0000${group ?? ''}`;
      const row = rows.get(id) ?? {
        topic,
        group,
        published: 0,
        consumed: 0,
        redelivered: 0,
        deadLettered: 0,
        failed: 0,
      };
      row[field] += v.value;
      rows.set(id, row);
    }
  };
  await add('bus_messages_published_total', 'published');
  await add('bus_messages_consumed_total', 'consumed');
  await add('bus_messages_redelivered_total', 'redelivered');
  await add('bus_messages_dead_lettered_total', 'deadLettered');
  await add('bus_handler_failures_total', 'failed');
  return [...rows.values()];
}
