import amqp from 'amqplib';
import { BusFullError, BusUnconfirmedError, RabbitBus, ServiceBus, createBus } from '@boxoffice/bus';
import { RABBITMQ_URL, eventually, testKeyPrefix } from './bus-test-support';

/**
 * RabbitMQ publishing internals (the contract suite covers what both backends share): what a
 * publish reports when its confirm cannot come.
 */
describe('publishing on RabbitMQ', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix({ name: 'rabbitmq', url: RABBITMQ_URL });
  let bus: ServiceBus;

  beforeAll(() => {
    bus = createBus({
      url: RABBITMQ_URL,
      keyPrefix,
      producer: 'test',
      topics: {
        gone: { partitions: 1, groups: ['readers'] },
        tiny: { capacity: 3, partitions: 1, groups: ['readers'] },
      },
    });
    bus.on('error', () => undefined); // the closed channel is reported here; the test asserts the publish
  });

  afterAll(async () => {
    await bus.close();
    await cleanUp();
  });

  test('when the channel closes before the confirm (its exchange deleted behind the bus), then the publish fails as unconfirmed, not as a full topic, and the next one redeclares and is stored', async () => {
    await bus.publish('gone', 'k', { type: 't', payload: 1 });
    const names = (bus as RabbitBus).topic('gone');
    const connection = await amqp.connect(RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      await channel.deleteExchange(names.exchange());

      // The broker closes the publishing channel (404): the confirm never comes.
      const failed = await bus.publish('gone', 'k', { type: 't', payload: 2 }).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(BusUnconfirmedError);
      expect(failed).not.toBeInstanceOf(BusFullError);

      await bus.publish('gone', 'k', { type: 't', payload: 3 });
      await channel.close();
      const seen: unknown[] = [];
      await bus.subscribe('gone', 'readers', (m) => void seen.push(m.payload), { retryDelayMs: 50 });
      await eventually('the stored messages', () => seen.length >= 2);
      expect(seen).toEqual([1, 3]);
    } finally {
      await connection.close();
    }
  });

  test('when thousands of publishes hit a full topic at once, then every one is refused with BusFullError (they share one backlog count, not a channel each)', async () => {
    for (let i = 0; i < 3; i++) await bus.publish('tiny', 'k', { type: 't', payload: i });
    // More than RabbitMQ's default channel_max (2047).
    const outcomes = await Promise.allSettled(
      Array.from({ length: 2500 }, (_, i) => bus.publish('tiny', 'k', { type: 't', payload: i })),
    );
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'stored'));
    expect(reasons.filter((r) => r !== 'BusFullError')).toEqual([]);
  });
});
