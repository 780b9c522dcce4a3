import { Envelope, ServiceBus, createBus } from '@boxoffice/bus';
import { BACKENDS, eventually, storedUnder, testKeyPrefix } from './bus-test-support';

describe.each(BACKENDS)('at-most-once topics on $name', (backend) => {
  const { keyPrefix, cleanUp } = testKeyPrefix(backend);
  const topics = { 'cache.invalidated': { delivery: 'at-most-once' as const } };
  const buses: ServiceBus[] = [];
  const newBus = () => {
    const bus = createBus({ url: backend.url, keyPrefix, producer: 'test', topics });
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await cleanUp();
  });

  test('when a message is broadcast, then every live subscriber gets it, in order, and nothing is stored', async () => {
    const [first, second, publisher] = [newBus(), newBus(), newBus()];
    const got: Record<string, number[]> = { first: [], second: [] };
    await first.subscribe(
      'cache.invalidated',
      'users-1',
      (m: Envelope<number>) => void got.first.push(m.payload),
    );
    await second.subscribe(
      'cache.invalidated',
      'users-2',
      (m: Envelope<number>) => void got.second.push(m.payload),
    );

    for (let n = 0; n < 20; n++)
      await publisher.publish('cache.invalidated', 'user-1', { type: 'evict', payload: n });

    const all = Array.from({ length: 20 }, (_, n) => n);
    await eventually(
      'both subscribers to get every message',
      () => got.first.length === 20 && got.second.length === 20,
    );
    expect(got).toEqual({ first: all, second: all });
    expect(await storedUnder(backend, keyPrefix)).toEqual([]);
  });

  test('when nobody listens, then a broadcast is simply lost, and a later subscriber does not get it', async () => {
    const publisher = newBus();
    await publisher.publish('cache.invalidated', 'user-1', { type: 'evict', payload: 'lost' });
    const late = newBus();
    const got: unknown[] = [];
    const subscription = await late.subscribe('cache.invalidated', 'late', (m) => void got.push(m.payload));

    await publisher.publish('cache.invalidated', 'user-1', { type: 'evict', payload: 'seen' });

    await eventually('the second broadcast', () => got.length === 1);
    expect(got).toEqual(['seen']);
    await subscription.close();
  });
});
