import { Redis, createRedisClient } from '@boxoffice/platform';
import { MemoryTierOptions } from '@boxoffice/cache';
import { currentReadContext } from '@boxoffice/sharding';
import { PrivateRedis, ThingsShard, lookups, randomName, sleep, thingCache } from './cache-test-support';

describe('EntityCache with memory in front of Redis', () => {
  let redisServer: PrivateRedis;
  let redis: Redis;
  let shard: ThingsShard;

  beforeAll(async () => {
    [redisServer, shard] = await Promise.all([PrivateRedis.start(), ThingsShard.create()]);
    redis = createRedisClient(redisServer.url, 'cache');
    await redis.connect(); // a service's readiness probe connects it before traffic; no offline queue
  });

  afterAll(async () => {
    redis.disconnect();
    await Promise.all([redisServer.remove(), shard.drop()]);
  });

  const newCache = (memory: MemoryTierOptions | null = {}) =>
    thingCache(redis, { memory: memory ?? undefined });
  const commandsProcessed = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);

  test('when a document was read once, then the next reads come from memory: no Redis command, no load', async () => {
    const { cache, metrics } = newCache();
    const id = randomName();
    await shard.write(id, 'hot', 1);
    await cache.getOrLoad(id, () => shard.load(id));
    const loadsBefore = shard.loads;
    const before = await commandsProcessed();

    for (let i = 0; i < 50; i++)
      expect(await cache.getOrLoad(id, () => shard.load(id))).toMatchObject({ body: 'hot' });

    // The INFO that reads the counter is the only command Redis saw meanwhile.
    expect((await commandsProcessed()) - before).toBeLessThanOrEqual(1);
    expect(shard.loads).toBe(loadsBefore);
    expect(await lookups(metrics)).toEqual({ 'l1 miss': 1, 'l2 miss': 1, 'l1 hit': 50 });
  });

  test('when 20 lookups of a cold key arrive at once, then one Redis read and one load serve them all', async () => {
    const { cache, metrics } = newCache();
    const id = randomName();
    await shard.write(id, 'burst', 1);
    const loadsBefore = shard.loads;

    const got = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrLoad(id, () => shard.load(id))),
    );

    expect(got.every((thing) => thing?.body === 'burst')).toBe(true);
    expect(shard.loads - loadsBefore).toBe(1);
    expect(await lookups(metrics)).toEqual({ 'l1 miss': 20, 'l2 miss': 1 });
  });

  test('every caller gets its own copy, so changing one cannot change what the next caller reads', async () => {
    const { cache } = newCache();
    const id = randomName();
    await shard.write(id, 'original', 1);
    const first = await cache.getOrLoad(id, () => shard.load(id));

    first!.body = 'scribbled on';

    expect((await cache.getOrLoad(id, () => shard.load(id)))?.body).toBe('original');
  });

  test('when memory holds its maximum of entries, then the least recently used document is dropped', async () => {
    const { cache, metrics } = newCache({ maxEntries: 3 });
    const ids = [randomName(), randomName(), randomName(), randomName()];
    for (const id of ids) await shard.write(id, 'x', 1);

    for (const id of ids) await cache.getOrLoad(id, () => shard.load(id));
    await cache.getOrLoad(ids[0]!, () => shard.load(ids[0]!));
    await cache.getOrLoad(ids[3]!, () => shard.load(ids[3]!));

    // The first was evicted (back from Redis), the last is still in memory.
    expect(await lookups(metrics)).toMatchObject({ 'l1 miss': 5, 'l1 hit': 1, 'l2 hit': 1 });
  });

  test('when a document is bigger than the memory byte bound, then it is served from Redis instead', async () => {
    const { cache, metrics } = newCache({ maxBytes: 1000 });
    const id = randomName();
    await shard.write(id, 'y'.repeat(2000), 1);

    await cache.getOrLoad(id, () => shard.load(id));
    await cache.getOrLoad(id, () => shard.load(id));

    expect(await lookups(metrics)).toEqual({ 'l1 miss': 2, 'l2 miss': 1, 'l2 hit': 1 });
  });

  test('when the memory lifetime has passed, then the document is read from Redis again', async () => {
    const { cache, metrics } = newCache({ ttlMs: 200 });
    const id = randomName();
    await shard.write(id, 'short-lived', 1);
    await cache.getOrLoad(id, () => shard.load(id));

    await sleep(400);
    await cache.getOrLoad(id, () => shard.load(id));

    expect(await lookups(metrics)).toEqual({ 'l1 miss': 2, 'l2 miss': 1, 'l2 hit': 1 });
  });

  test('when Redis holds an older version than this process has seen, then it reloads from the shard and repairs Redis', async () => {
    const { cache, metrics } = newCache({ ttlMs: 100 });
    const id = randomName();
    await shard.write(id, 'new', 2);
    await cache.getOrLoad(id, () => shard.load(id));
    // A racing reader elsewhere puts back what it read before the write.
    await redis.set(cache.key(id), JSON.stringify({ id, body: 'old', version: 1 }));

    await sleep(200);
    const got = await cache.getOrLoad(id, () => shard.load(id));

    expect(got).toMatchObject({ body: 'new', version: 2 });
    expect(JSON.parse((await redis.get(cache.key(id)))!)).toMatchObject({ version: 2 });
    expect(await lookups(metrics)).toMatchObject({ 'l2 stale': 1 });
  });

  test('when a write invalidates while a load is in flight, then the load it overtook is not kept', async () => {
    const { cache } = newCache();
    const id = randomName();
    await shard.write(id, 'before', 1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.getOrLoad(id, async () => {
      const read = await shard.load(id);
      await gate;
      return read;
    });
    await sleep(50);

    await shard.write(id, 'after', 2);
    await cache.invalidate(id, 2);
    release();

    expect((await slow)?.body).toBe('before');
    expect((await cache.getOrLoad(id, () => shard.load(id)))?.body).toBe('after');
    expect(await redis.get(cache.key(id))).toContain('"after"');
  });

  test('when an id does not exist, then memory remembers that too', async () => {
    const { cache, metrics } = newCache();
    const id = randomName();

    expect(await cache.getOrLoad(id, () => shard.load(id))).toBeUndefined();
    expect(await cache.getOrLoad(id, () => shard.load(id))).toBeUndefined();

    expect(await lookups(metrics)).toEqual({ 'l1 miss': 1, 'l2 miss': 1, 'l1 negative_hit': 1 });
  });

  test('without memory (Redis only), then every lookup is a Redis read and nothing is counted at l1', async () => {
    const { cache, metrics } = newCache(null);
    const id = randomName();
    await shard.write(id, 'redis only', 1);

    await cache.getOrLoad(id, () => shard.load(id));
    await cache.getOrLoad(id, () => shard.load(id));

    expect(await lookups(metrics)).toEqual({ 'l2 miss': 1, 'l2 hit': 1 });
  });

  test('when a replica answered a fill because the primary was down, then it is kept nowhere and a reader who joined the flight loads under its own pinning', async () => {
    const { cache } = newCache();
    const id = randomName();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // What ShardDatabases does when a cache fill's primary cannot be reached and a replica answers.
    const fromReplica = async () => {
      await gate;
      currentReadContext()!.filledFromReplica = true;
      return { id, body: 'the replica copy', version: 1 };
    };
    const first = cache.getOrLoad(id, fromReplica);
    const joined = cache.getOrLoad(id, async () => ({ id, body: 'its own read', version: 2 }));
    release();

    expect((await first)?.body).toBe('the replica copy');
    expect((await joined)?.body).toBe('its own read');
    expect(await redis.exists(cache.key(id))).toBe(0);
    let loads = 0;
    await cache.getOrLoad(id, async () => {
      loads += 1;
      return { id, body: 'from the primary, back', version: 3 };
    });
    expect(loads).toBe(1);
  });

  test('when disabled (CACHE_ENABLED=false), then every read loads and counts as an l2 bypass', async () => {
    const { cache, metrics } = thingCache(redis, { memory: {}, enabled: false });
    const id = randomName();
    await shard.write(id, 'off', 1);
    const loadsBefore = shard.loads;

    await cache.getOrLoad(id, () => shard.load(id));
    await cache.getOrLoad(id, () => shard.load(id));

    expect(shard.loads - loadsBefore).toBe(2);
    expect(await redis.exists(cache.key(id))).toBe(0);
    expect(await lookups(metrics)).toEqual({ 'l2 bypass': 2 });
  });

  test('when disabled, then a write still deletes the Redis copy, so turning the cache back on serves nothing stale', async () => {
    const keyPrefix = `${randomName()}:`;
    const { cache: on } = thingCache(redis, { keyPrefix });
    const { cache: off } = thingCache(redis, { keyPrefix, enabled: false });
    const id = randomName();
    await shard.write(id, 'cached while on', 1);
    await on.getOrLoad(id, () => shard.load(id));

    await off.invalidate(id);

    expect(await redis.exists(on.key(id))).toBe(0);
  });
});
