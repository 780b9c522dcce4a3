import { Counter, Histogram, Registry } from 'prom-client';
import { createRedisClient } from '@boxoffice/platform';
import { EntityCache } from '@boxoffice/cache';
import { instanceStatsSchema } from '@boxoffice/contracts';
import { cacheCounts, httpCounts, redact } from '@boxoffice/runtime';

describe('an instance’s counters for /internal/stats', () => {
  test('when probes, /metrics and /internal calls are counted, then the HTTP figures leave them out', async () => {
    const registry = new Registry();
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.01, 0.1],
      registers: [registry],
    });
    for (const route of ['/readyz', '/healthz', '/metrics', '/internal/stats', '/internal/ping']) {
      duration.observe({ method: 'GET', route, status: '200' }, 0.001);
    }
    duration.observe({ method: 'GET', route: '/api/events', status: '200' }, 0.005);
    duration.observe({ method: 'POST', route: '/api/events', status: '201' }, 0.05);
    expect(await httpCounts(registry)).toEqual({
      count: 2,
      buckets: [
        [0.01, 1],
        [0.1, 2],
        [null, 2],
      ],
    });
  });

  test('when nothing was counted, then the HTTP figures are zero and match the schema', async () => {
    const http = await httpCounts(new Registry());
    expect(http).toEqual({ count: 0, buckets: [] });
    const parsed = instanceStatsSchema.safeParse({
      service: 'users',
      instance: 'users@h:1',
      pid: 1,
      uptimeSeconds: 1,
      http,
      cache: null,
      shardQueries: {},
      busCounts: [],
    });
    expect(parsed.success).toBe(true);
  });

  test('when a driver message carries credentials, then they are blanked before anyone sees them', () => {
    expect(redact('connect to postgres://bo:s3cret@db:5432/x failed')).toBe(
      'connect to postgres://***@db:5432/x failed',
    );
    expect(redact('host=db password=s3cret user=bo')).toBe('host=db password=*** user=bo');
    expect(redact('redis://:s3cret@cache:6379 refused')).not.toContain('s3cret');
  });

  test('when the cache counter has levels, then memory and Redis are counted apart', async () => {
    const registry = new Registry();
    const lookups = new Counter({
      name: 'cache_requests_total',
      help: 'c',
      labelNames: ['entity', 'level', 'result'],
      registers: [registry],
    });
    lookups.inc({ entity: 'event', level: 'l1', result: 'hit' }, 5);
    lookups.inc({ entity: 'event', level: 'l1', result: 'miss' }, 3);
    lookups.inc({ entity: 'event', level: 'l2', result: 'hit' }, 2);
    lookups.inc({ entity: 'user', level: 'l2', result: 'negative_hit' }, 1);
    lookups.inc({ entity: 'event', level: 'l2', result: 'miss' }, 1);
    expect(await cacheCounts(registry)).toEqual({
      memory: { hits: 5, negativeHits: 0, misses: 3, errors: 0, stale: 0, bypass: 0 },
      redis: { hits: 2, negativeHits: 1, misses: 1, errors: 0, stale: 0, bypass: 0 },
    });
  });

  test('when a service has an entity cache nobody has asked yet, then its counts are zero, not absent (absent means no cache)', async () => {
    const registry = new Registry();
    expect(await cacheCounts(registry)).toBeNull();
    const redis = createRedisClient('redis://127.0.0.1:1', 'cache'); // never connected
    new EntityCache({ redis, keyPrefix: 't:', entity: 'user', metrics: registry });
    expect(await cacheCounts(registry)).toEqual({
      memory: null,
      redis: { hits: 0, negativeHits: 0, misses: 0, errors: 0, stale: 0, bypass: 0 },
    });
    redis.disconnect();
  });
});
