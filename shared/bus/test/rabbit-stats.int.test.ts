import { RabbitBus, busStatsSchema } from '@boxoffice/bus';
import { RABBITMQ_URL, eventually, testKeyPrefix } from './bus-test-support';

/**
 * The RabbitMQ bus's figures for the topology page (RabbitBus.stats), on the local broker: what
 * AMQP tells (ready messages per group, consumers, dead letters) is counted, and what it does
 * not (unacknowledged messages, their age) is null, never a made-up zero.
 */
describe('the RabbitMQ bus’s stats', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix({ name: 'rabbitmq', url: RABBITMQ_URL });
  let bus: RabbitBus;
  let release: () => void = () => undefined;

  beforeAll(() => {
    bus = new RabbitBus({
      url: RABBITMQ_URL,
      keyPrefix,
      producer: 'test',
      topics: {
        work: { partitions: 2 },
        // A group known in advance, with no consumer in this process (its queues come with the first publish).
        planned: { partitions: 2, groups: ['later'] },
        never: { partitions: 2 },
        pings: { delivery: 'at-most-once' },
      },
    });
    bus.on('error', () => undefined);
  });

  afterAll(async () => {
    release();
    await bus.close();
    await cleanUp();
  });

  test('when a consumer holds one message and five wait behind it, then its group shows five ready and pending unknown', async () => {
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handling = 0;
    await bus.subscribe(
      'work',
      'workers',
      async () => {
        handling++;
        await gate;
      },
      { batchSize: 1 }, // prefetch 1: the rest stay ready in the queue
    );
    for (let i = 0; i < 6; i++) await bus.publish('work', 'one-key', { type: 't', payload: i });
    await eventually('the first message in the handler', () => handling === 1);

    const stats = busStatsSchema.parse(await bus.stats(['work']));
    expect(stats.state).toBe('up');
    expect(stats.topics).toEqual([
      {
        name: 'work',
        delivery: 'at-least-once',
        partitions: 2,
        length: 5,
        deadLetters: 0,
        groups: [{ name: 'workers', consumers: 1, pending: null, undelivered: 5, oldestPendingMs: null }],
      },
    ]);

    release();
    await eventually('the backlog drained', async () => {
      const [work] = (await bus.stats(['work'])).topics;
      return work?.groups[0]?.undelivered === 0;
    });
  });

  test('when a handler keeps failing, then the message is counted as a dead letter', async () => {
    await bus.subscribe(
      'work',
      'failing',
      () => {
        throw new Error('poison');
      },
      { maxDeliveries: 1 },
    );
    await bus.publish('work', 'k', { type: 't', payload: 'poison' });
    await eventually('the dead letter', async () => (await bus.stats(['work'])).topics[0]?.deadLetters === 1);
    const [work] = (await bus.stats(['work'])).topics;
    expect(work!.groups.map((g) => g.name)).toEqual(['failing', 'workers']);
  });

  test('when a topic was never declared or a group has no queue yet, then it reads as empty or unknown, and the rest is still read', async () => {
    const stats = await bus.stats(['never', 'planned', 'pings', 'work']);
    expect(stats.state).toBe('up');
    const [never, planned, pings, work] = stats.topics;
    expect(never).toMatchObject({ name: 'never', length: 0, deadLetters: 0, groups: [] });
    // No publish yet: the planned group's queues do not exist, so its backlog cannot be told.
    expect(planned!.groups).toEqual([
      { name: 'later', consumers: 0, pending: null, undelivered: null, oldestPendingMs: null },
    ]);
    expect(pings).toMatchObject({ delivery: 'at-most-once', partitions: 0, groups: [] });
    expect(work!.groups).toHaveLength(2);

    await bus.publish('planned', 'k', { type: 't', payload: 1 });
    const [declared] = (await bus.stats(['planned'])).topics;
    expect(declared!.groups[0]).toMatchObject({ name: 'later', consumers: 0, undelivered: 1 });
  });

  test('when the broker does not answer, then the stats reject (the stats route reports the bus down)', async () => {
    const away = new RabbitBus({ url: 'amqp://guest:guest@127.0.0.1:1', keyPrefix, producer: 'test' });
    try {
      await expect(away.stats(['work'])).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await away.close();
    }
  });
});
