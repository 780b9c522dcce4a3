import { createBus, type Envelope, type RedisBus } from '@boxoffice/shared';
import { REDIS_URL, eventually, testKeyPrefix } from './bus-test-support';

/** Short timings so retries and dead-lettering happen within the test. */
const FAST = { retryDelayMs: 50, visibilityTimeoutMs: 2000, leaseMs: 2000, blockMs: 200 };

describe('subscribeBatch (at-least-once, many messages per call)', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix();
  const buses: RedisBus[] = [];

  function newBus(partitions = 1): RedisBus {
    const bus = createBus({
      url: REDIS_URL,
      keyPrefix,
      producer: 'test',
      topics: { batched: { partitions }, poisoned: { partitions } },
    });
    bus.on('error', () => undefined);
    bus.on('handlerError', () => undefined);
    buses.push(bus);
    return bus;
  }

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await cleanUp();
  });

  test('when a backlog waits, then it arrives in batches, each message once, in publish order', async () => {
    const bus = newBus();
    await bus.publishBatch(
      'batched',
      Array.from({ length: 250 }, (_, n) => ({ key: 'one-key', type: 'counted', payload: { n } })),
    );
    const sizes: number[] = [];
    const seen: number[] = [];
    await bus.subscribeBatch<{ n: number }>(
      'batched',
      'readers',
      async (messages) => {
        sizes.push(messages.length);
        seen.push(...messages.map((m) => m.payload.n));
      },
      { ...FAST, batchSize: 100 },
    );

    await eventually('every message', () => seen.length >= 250);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, n) => n));
    expect(Math.max(...sizes)).toBe(100);
    expect(sizes.length).toBeLessThan(10);
  });

  test('when a batch holds a poison message, then the rest are handled one by one and the poison is dead-lettered', async () => {
    const bus = newBus();
    await bus.publishBatch(
      'poisoned',
      Array.from({ length: 20 }, (_, n) => ({ key: 'k', type: 'counted', payload: { n, poison: n === 7 } })),
    );
    const handled: number[] = [];
    const dead: string[] = [];
    bus.on('deadLettered', (reason: string) => dead.push(reason));
    await bus.subscribeBatch<{ n: number; poison: boolean }>(
      'poisoned',
      'readers',
      async (messages: Envelope<{ n: number; poison: boolean }>[]) => {
        if (messages.some((m) => m.payload.poison)) throw new Error('poison in this batch');
        handled.push(...messages.map((m) => m.payload.n));
      },
      { ...FAST, batchSize: 50, maxDeliveries: 2 },
    );

    await eventually(
      'the 19 good messages and one dead letter',
      () => handled.length === 19 && dead.length === 1,
    );
    expect(handled).toEqual(Array.from({ length: 20 }, (_, n) => n).filter((n) => n !== 7));
    expect(dead).toEqual(['poison in this batch']);
  });
});
