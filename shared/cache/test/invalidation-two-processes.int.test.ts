import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRedisClient } from '@boxoffice/platform';
import { ServiceBus, createBus } from '@boxoffice/bus';
import { CACHE_INVALIDATION_TOPIC_OPTIONS, CacheInvalidations, EntityCache } from '@boxoffice/cache';
import {
  FixtureProcess,
  PrivateRedis,
  Thing,
  ThingsShard,
  eventually,
  randomName,
  sleep,
} from './cache-test-support';

const READER = join(__dirname, 'fixtures', 'reader-process.ts');

describe('two processes: one writes, the other reads through its memory', () => {
  const keyPrefix = `${randomName()}:`;
  let shard: ThingsShard;
  let cacheRedis: PrivateRedis;
  let busRedis: PrivateRedis;
  let bus: ServiceBus;
  let writer: EntityCache<Thing>;
  let invalidations: CacheInvalidations;
  const readers: FixtureProcess[] = [];
  const redis = () => {
    const client = createRedisClient(cacheRedis.url, 'cache');
    client.on('error', () => undefined);
    return client;
  };
  const cacheClient = { current: undefined as ReturnType<typeof redis> | undefined };

  beforeAll(async () => {
    [shard, cacheRedis, busRedis] = await Promise.all([
      ThingsShard.create(),
      PrivateRedis.start(),
      PrivateRedis.start(),
    ]);
    cacheClient.current = redis();
    await cacheClient.current.connect();
    bus = createBus({
      url: busRedis.url,
      keyPrefix: `${keyPrefix}bus:`,
      producer: 'writer',
      topics: CACHE_INVALIDATION_TOPIC_OPTIONS,
      // Lose a broadcast fast when the bus is down, rather than queueing it for a reconnect.
      redisOptions: { maxRetriesPerRequest: 0 },
    });
    bus.on('error', () => undefined);
    invalidations = new CacheInvalidations(bus, 'writer');
    writer = new EntityCache<Thing>({
      redis: cacheClient.current,
      keyPrefix,
      entity: 'thing',
      metrics: new Registry(),
      memory: { ttlMs: 60_000 },
      versionOf: (thing) => thing.version,
      invalidations,
    });
    await invalidations.start();
  });

  afterAll(async () => {
    await Promise.all(readers.map((r) => r.kill()));
    await busRedis.start(); // back, so the bus closes its connections cleanly
    await invalidations.close();
    await bus.close();
    cacheClient.current?.disconnect();
    await Promise.all([cacheRedis.remove(), busRedis.remove(), shard.drop()]);
  });

  const startReader = (memoryTtlMs: number) => {
    const reader = new FixtureProcess(READER, [
      shard.url,
      cacheRedis.url,
      busRedis.url,
      keyPrefix,
      String(memoryTtlMs),
    ]);
    readers.push(reader);
    return reader;
  };
  const versionSeenBy = async (reader: FixtureProcess, id: string) =>
    (await reader.get<Thing>(`/things/${id}`)).version;

  test('when the writer invalidates, then the broadcast makes the other process drop its copy, long before its 60 s memory lifetime', async () => {
    const reader = startReader(60_000);
    const id = randomName();
    await shard.write(id, 'v1', 1);
    expect(await versionSeenBy(reader, id)).toBe(1);
    // Changed behind the cache's back (no invalidation): the reader keeps serving its copy.
    await shard.write(id, 'v2', 2);
    expect(await versionSeenBy(reader, id)).toBe(1);

    await writer.invalidate(id, 2);

    await eventually(
      'the reader to serve version 2',
      async () => (await versionSeenBy(reader, id)) === 2,
      20_000,
    );
  });

  test('when the bus is down, then the other process serves the old version for at most its memory lifetime (3 s) after the write', async () => {
    const ttlMs = 3000;
    const reader = startReader(ttlMs);
    const id = randomName();
    await shard.write(id, 'v1', 1);
    expect(await versionSeenBy(reader, id)).toBe(1); // now in the reader's memory
    await busRedis.kill();

    await shard.write(id, 'v2', 2);
    await writer.invalidate(id, 2); // memory here and Redis: yes; the broadcast: lost
    const invalidatedAt = Date.now();
    const reads: { startedAt: number; version: number }[] = [];
    while (Date.now() < invalidatedAt + ttlMs + 1500) {
      const startedAt = Date.now();
      reads.push({ startedAt, version: await versionSeenBy(reader, id) });
      await sleep(100);
    }

    // The broadcast was really lost: right after the write the reader still had version 1…
    expect(reads[0]!.version).toBe(1);
    // …and nothing older was served once the lifetime had passed.
    const afterBound = reads.filter((r) => r.startedAt > invalidatedAt + ttlMs);
    expect(afterBound.length).toBeGreaterThan(0);
    expect(afterBound.map((r) => r.version)).toEqual(afterBound.map(() => 2));
    // Versions only went forward.
    const versions = reads.map((r) => r.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});
