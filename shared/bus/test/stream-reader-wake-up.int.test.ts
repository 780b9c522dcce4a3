import { createRedisClient, type Redis } from '@boxoffice/platform';
import { ensureGroups } from '../src/consumer-group';
import { withBusScripts } from '../src/lua-scripts';
import { PartitionState, type Delivery } from '../src/partition-state';
import { StreamReader } from '../src/stream-reader';
import { resolveSubscribeOptions } from '../src/subscribe-options';
import { TopicKeys, resolveTopic } from '../src/topic-options';
import { REDIS_URL, eventually, testKeyPrefix } from './bus-test-support';

/**
 * The missed wake-up suspected behind the rush's slow regime (docs/performance.md): `noticeRoom` sends
 * CLIENT UNBLOCK on the bus connection while the XREADGROUP it means to end is still on its way
 * to Redis on the blocking connection. Redis may take the UNBLOCK first (the order of two
 * sockets is not kept): it finds nothing blocked and replies 0, the read blocks after it, and the
 * partition that got room waits out the whole blockMs. Before the fix (stream-reader.ts repeats
 * an UNBLOCK that replied 0) this failed in 13 runs of 13, each after 7 to 161 rounds.
 */
describe('StreamReader (Redis streams)', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix();
  const BLOCK_MS = 4000;
  const BATCH_SIZE = 10;
  /** Far above a round trip, far below BLOCK_MS: a read that takes longer waited out its block. */
  const PROMPT_MS = 500;
  const ROUNDS = 200;
  /**
   * Ways of reaching "just after the read was sent": before and after the bus connection's
   * auto-pipelined write (setImmediate), and a few ms later.
   */
  const MOMENTS: ((f: () => void) => void)[] = [
    (f) => queueMicrotask(f),
    (f) => setImmediate(f),
    (f) => setTimeout(f, 0),
    (f) => setTimeout(f, 1),
    (f) => setTimeout(f, 3),
  ];

  afterAll(cleanUp);

  test('when a full partition gets room just after a read was sent, then that read ends promptly, every round', async () => {
    // Arrange: partition 0 is full (so left out of the read), partition 1 is empty (the read
    // blocks on it), and Redis is as busy as in a rush.
    const keys = new TopicKeys(keyPrefix, resolveTopic('hot', { partitions: 2 }));
    const redis = withBusScripts(createRedisClient(REDIS_URL, 'bus'));
    const blocking = createRedisClient(REDIS_URL, 'bus-blocking');
    await ensureGroups(redis, keys, 'readers');
    const [hot, idle] = [0, 1].map((p) =>
      Object.assign(new PartitionState(p, keys.stream(p)), { mode: 'reading' }),
    );
    const fill = () => {
      hot.queue = Array.from({ length: BATCH_SIZE }, (_, n): Delivery => ({
        streamId: `0-${n + 1}`,
        raw: '',
        deliveryCount: 1,
        retry: false,
      }));
    };
    let stopping = false;
    const errors: unknown[] = [];
    /** Per round, ms from the partition getting room to the end of the read it interrupted. */
    const waits: number[] = [];
    let noticedAt = 0;
    const giveRoom = () => {
      hot.queue = [];
      noticedAt = performance.now();
      reader.noticeRoom(hot);
    };
    const reader: StreamReader = new StreamReader({
      redis,
      blocking,
      keys,
      group: 'readers',
      consumer: 'reader-1',
      options: resolveSubscribeOptions({ blockMs: BLOCK_MS, batchSize: BATCH_SIZE }),
      events: {
        error: (err) => errors.push(err),
        handlerError: () => undefined,
        deadLettered: () => undefined,
      },
      partitions: new Map([hot, idle].map((s) => [s.index, s])),
      isStopping: () => stopping,
      // A read ended. The loop sends the next one right after this returns: partition 0 is full
      // again by then, and gets room at this round's moment.
      read: () => {
        if (noticedAt === 0 || stopping) return;
        waits.push(performance.now() - noticedAt);
        if (waits.length >= ROUNDS) return;
        fill();
        MOMENTS[waits.length % MOMENTS.length]!(giveRoom);
      },
    });
    await reader.connect();
    const traffic = keepBusy(redis, keys.stream(0), () => stopping);

    // Act: the first read (of partition 1 alone) blocks; each round then gives partition 0 room
    // once, and the next round starts when the read it interrupted ends.
    fill();
    reader.start();
    try {
      await eventually('the first read', () => reader.isReading(idle.index));
      giveRoom();
      await eventually(
        `${ROUNDS} rounds, or one read that waited out its block`,
        () => waits.length >= ROUNDS || waits.some((ms) => ms > PROMPT_MS),
        30_000,
      );
    } finally {
      stopping = true;
      reader.interrupt();
      await reader.finished();
      await traffic;
      await reader.close();
      await redis.quit();
    }

    // Assert: no read outlived its wake-up (the round says which moment was missed).
    const slow = waits.findIndex((ms) => ms > PROMPT_MS);
    expect({
      slowRound: slow < 0 ? null : slow + 1,
      waitedMs: slow < 0 ? null : Math.round(waits[slow]!),
    }).toEqual({
      slowRound: null,
      waitedMs: null,
    });
    expect(waits).toHaveLength(ROUNDS);
    expect(errors).toEqual([]);
  });
});

/**
 * Load standing in for a rush's, until `stopping`: the bus connection is never idle (acks,
 * heartbeats, publishes; two cheap commands at a time here) and another client keeps Redis busy
 * with scripts (a Lua loop of ~70 µs, for the other processes' publish and ack scripts). Without
 * it the race was not seen in six runs of 200 rounds; with it, every run of 13 hit it.
 */
async function keepBusy(bus: Redis, stream: string, stopping: () => boolean): Promise<void> {
  const other = createRedisClient(REDIS_URL, 'bus');
  const loop = async (step: () => Promise<unknown>) => {
    while (!stopping()) await step();
  };
  await Promise.all([
    loop(() => bus.xlen(stream)),
    loop(() => bus.xlen(stream)),
    loop(() => other.eval('local n = 0 for i = 1, 20000 do n = n + i end return n', 0)),
  ]);
  await other.quit();
}
