import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Envelope, ServiceBus, createBus } from '@boxoffice/bus';
import { RABBITMQ_URL, eventually, randomName, testKeyPrefix } from './bus-test-support';

const run = promisify(execFile);

/** Closes, on the broker, every connection whose client named itself `name` (a dropped connection, as a broker restart does). */
async function dropConnections(name: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    '--no-table-headers',
    'list_connections',
    'pid',
    'client_properties',
  ]);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, 'test: dropped']);
  return pids.length;
}

/**
 * RabbitMQ: a subscription outlives its connection. Partition consumers rejoined already; the
 * at-most-once subscription (order wake-ups, cache invalidations) stayed deaf for good.
 */
describe('RabbitMQ subscriptions when the connection drops', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix({ name: 'rabbitmq', url: RABBITMQ_URL });
  const topics = {
    'cache.invalidated': { delivery: 'at-most-once' as const },
    orders: { delivery: 'at-least-once' as const, partitions: 2, groups: ['events'] },
  };
  const buses: ServiceBus[] = [];
  const newBus = (producer: string) => {
    const bus = createBus({ url: RABBITMQ_URL, keyPrefix, producer, topics });
    bus.on('error', () => undefined); // the dropped connection is reported here; the test asserts delivery
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await cleanUp();
  });

  test('when the subscriber loses its connection, then its broadcast and partition subscriptions join again and get what is sent afterwards', async () => {
    const name = `${randomName()}-subscriber`;
    const subscriber = newBus(name);
    const publisher = newBus(`${randomName()}-publisher`);
    const heard: unknown[] = [];
    const handled: unknown[] = [];
    await subscriber.subscribe('cache.invalidated', 'users-1', (m: Envelope) => void heard.push(m.payload));
    await subscriber.subscribe('orders', 'events', (m: Envelope) => void handled.push(m.payload), {
      retryDelayMs: 50,
    });
    await publisher.publish('cache.invalidated', 'k', { type: 'evict', payload: 'before' });
    await eventually('the first broadcast', () => heard.length === 1);

    expect(await dropConnections(name)).toBe(1);

    // Broadcasts sent while it is away may be lost (at most once); keep sending until one arrives.
    let n = 0;
    await eventually(
      'a broadcast after the drop',
      async () => {
        await publisher.publish('cache.invalidated', 'k', { type: 'evict', payload: `after-${n++}` });
        await new Promise((resolve) => setTimeout(resolve, 200));
        return heard.length > 1;
      },
      20_000,
    );
    await publisher.publish('orders', 'event-1', { type: 'order.requested', payload: 'kept' });
    await eventually('the at-least-once message after the drop', () => handled.includes('kept'), 20_000);
  });
});
