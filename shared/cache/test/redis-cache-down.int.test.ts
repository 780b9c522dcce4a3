import { Redis, createRedisClient } from '@boxoffice/platform';
import {
  PrivateRedis,
  ThingsShard,
  eventually,
  lookups,
  randomName,
  sleep,
  thingCache,
} from './cache-test-support';

describe('when the cache Redis goes down', () => {
  let redisServer: PrivateRedis;
  let shard: ThingsShard;
  const clients: Redis[] = [];

  beforeAll(async () => {
    [redisServer, shard] = await Promise.all([PrivateRedis.create({ persist: true }), ThingsShard.create()]);
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all([redisServer.remove(), shard.drop()]);
  });

  beforeEach(async () => {
    await redisServer.start();
  });

  afterEach(async () => {
    await redisServer.kill();
  });

  async function newCache(ttlMs: number, memory = true) {
    const redis = createRedisClient(redisServer.url, 'cache');
    redis.on('error', () => undefined); // the service logs these; here they are the point
    clients.push(redis);
    await redis.connect();
    const { cache, metrics } = thingCache(redis, { memory: memory ? { ttlMs } : undefined });
    return { cache, metrics, redis };
  }

  test('then memory keeps serving what it holds within its lifetime, misses go to the shard, and nothing throws', async () => {
    const ttlMs = 3000;
    const { cache, metrics } = await newCache(ttlMs);
    const [warm, cold] = [randomName(), randomName()];
    await shard.write(warm, 'warm', 1);
    await shard.write(cold, 'cold', 1);
    await cache.getOrLoad(warm, () => shard.load(warm));
    const warmedAt = Date.now();

    await redisServer.kill();
    const loadsBefore = shard.loads;
    const fromMemory = await cache.getOrLoad(warm, () => shard.load(warm));
    const fromShard = await cache.getOrLoad(cold, () => shard.load(cold));
    const servedFromMemory = Date.now() - warmedAt < ttlMs;

    expect(fromMemory?.body).toBe('warm');
    expect(fromShard?.body).toBe('cold');
    if (servedFromMemory) expect(shard.loads - loadsBefore).toBe(1);
    expect(await lookups(metrics)).toMatchObject({ 'l2 error': 1 });
    // Past the lifetime, the warm document comes from the shard: Redis is still down.
    await sleep(Math.max(0, warmedAt + ttlMs + 100 - Date.now()));
    const loadsThen = shard.loads;
    expect((await cache.getOrLoad(warm, () => shard.load(warm)))?.body).toBe('warm');
    expect(shard.loads - loadsThen).toBe(1);
  });

  test('then a write invalidates memory at once, and the Redis delete it missed is made when Redis is back', async () => {
    const writer = await newCache(2000);
    const otherProcess = await newCache(2000, false); // reads Redis only, like a fresh process
    const id = randomName();
    await shard.write(id, 'v1', 1);
    await writer.cache.getOrLoad(id, () => shard.load(id)); // Redis now holds v1

    await redisServer.kill();
    await shard.write(id, 'v2', 2);
    await writer.cache.invalidate(id, 2); // Redis is down: the delete fails, quietly
    expect((await writer.cache.getOrLoad(id, () => shard.load(id)))?.body).toBe('v2');

    await redisServer.start(); // comes back with its data: the stale v1 is still there
    await eventually('both clients to reconnect', () =>
      [writer.redis, otherProcess.redis].every((r) => r.status === 'ready'),
    );
    expect(await otherProcess.redis.get(writer.cache.key(id))).toContain('"v1"');
    // The writer's next Redis answer (any lookup) makes the delete it owes.
    await writer.cache.getOrLoad(randomName(), async () => undefined);

    await eventually(
      'the stale copy to be deleted',
      async () => !(await otherProcess.redis.exists(writer.cache.key(id))),
    );
    expect((await otherProcess.cache.getOrLoad(id, () => shard.load(id)))?.body).toBe('v2');
  });
});
