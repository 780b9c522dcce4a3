import { Registry } from 'prom-client';
import { EntityCache, Redis, loadConfig, platformEnvSchema } from '@boxoffice/shared';

/** Just enough of ioredis for cache-aside: an in-memory map. */
function fakeRedis(): Redis & { store: Map<string, string> } {
  const store = new Map<string, string>();
  return {
    store,
    get: async (key: string) => store.get(key) ?? null,
    set: async (key: string, value: string) => {
      store.set(key, value);
      return 'OK';
    },
    del: async (key: string) => Number(store.delete(key)),
  } as unknown as Redis & { store: Map<string, string> };
}

async function lookups(metrics: Registry): Promise<Record<string, number>> {
  const metric = await metrics.getSingleMetric('cache_requests_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

describe('EntityCache', () => {
  test('when enabled (the default), then the second read is a hit and does not load', async () => {
    const metrics = new Registry();
    const cache = new EntityCache<{ n: number }>({
      redis: fakeRedis(),
      keyPrefix: 'k:',
      entity: 'thing',
      metrics,
    });
    const load = jest.fn(async () => ({ n: 1 }));

    await cache.getOrLoad('a1', load);
    const second = await cache.getOrLoad('a1', load);

    expect(second).toEqual({ n: 1 });
    expect(load).toHaveBeenCalledTimes(1);
    expect(await lookups(metrics)).toEqual({ miss: 1, hit: 1 });
  });

  test('when disabled (CACHE_ENABLED=false), then every read loads, nothing is stored, and it counts as bypass', async () => {
    const metrics = new Registry();
    const redis = fakeRedis();
    const cache = new EntityCache<{ n: number }>({
      redis,
      keyPrefix: 'k:',
      entity: 'thing',
      metrics,
      enabled: false,
    });
    const load = jest.fn(async () => ({ n: 1 }));

    await cache.getOrLoad('a1', load);
    await cache.getOrLoad('a1', load);

    expect(load).toHaveBeenCalledTimes(2);
    expect(redis.store.size).toBe(0);
    expect(await lookups(metrics)).toEqual({ bypass: 2 });
  });

  test('when disabled, then a write still invalidates, so turning the cache back on serves nothing stale', async () => {
    const redis = fakeRedis();
    redis.store.set('k:thing:a1', '{"n":0}');
    const cache = new EntityCache({
      redis,
      keyPrefix: 'k:',
      entity: 'thing',
      metrics: new Registry(),
      enabled: false,
    });

    await cache.invalidate('a1');

    expect(redis.store.size).toBe(0);
  });
});

describe('CACHE_ENABLED', () => {
  test('it defaults to true and reads "false" as false', () => {
    expect(loadConfig(platformEnvSchema, {}).CACHE_ENABLED).toBe(true);
    expect(loadConfig(platformEnvSchema, { CACHE_ENABLED: 'false' }).CACHE_ENABLED).toBe(false);
  });

  test('a value that is not a boolean stops start-up naming the variable', () => {
    expect(() => loadConfig(platformEnvSchema, { CACHE_ENABLED: 'sometimes' })).toThrow(/CACHE_ENABLED/);
  });
});
