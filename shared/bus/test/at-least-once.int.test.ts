import { Registry } from 'prom-client';
import {
  BusFullError,
  Envelope,
  ServiceBus,
  SubscribeOptions,
  TopicMismatchError,
  createBus,
} from '@boxoffice/bus';
import { BACKENDS, type BackendProbe, eventually, probeBackend, testKeyPrefix } from './bus-test-support';

/** Short timings so a redelivery takes a second, not half a minute. */
const FAST: SubscribeOptions = { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200, retryDelayMs: 50 };

describe.each(BACKENDS)('at-least-once topics on $name', (backend) => {
  const { keyPrefix, cleanUp } = testKeyPrefix(backend);
  const buses: ServiceBus[] = [];
  let probe: BackendProbe;

  function newBus(
    registry?: Registry,
    topics: Record<string, { partitions?: number; capacity?: number; groups?: string[] }> = {},
  ) {
    const bus = createBus({ url: backend.url, keyPrefix, producer: 'test', topics, metrics: registry });
    bus.on('error', () => undefined); // server trouble is retried; these tests assert outcomes instead
    buses.push(bus);
    return bus;
  }

  beforeAll(async () => {
    probe = await probeBackend(backend, newBus());
  });

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await probe.close();
    await cleanUp();
  });

  test('when a message is published, then a subscriber gets the envelope once, and the acked entry is trimmed', async () => {
    const bus = newBus();
    const seen: Envelope[] = [];
    await bus.subscribe('greetings', 'readers', (message) => void seen.push(message), FAST);

    const sent = await bus.publish('greetings', 'k1', {
      type: 'greeted',
      payload: { hi: 1 },
      requestId: 'r-1',
    });

    await eventually('the message to be handled', () => seen.length === 1);
    expect(seen[0]).toEqual(sent);
    expect(sent).toMatchObject({ topic: 'greetings', key: 'k1', producer: 'test', requestId: 'r-1' });
    await eventually('the entry to be acked (and trimmed, on Redis)', async () => {
      return (await probe.unacked('greetings', 'readers', 'k1')) === 0;
    });
  });

  test('when a handler always throws, then the message ends in the dead-letter stream after maxDeliveries', async () => {
    const registry = new Registry();
    const bus = newBus(registry);
    const attempts: number[] = [];
    await bus.subscribe(
      'poison',
      'readers',
      (_message, context) => {
        attempts.push(context.deliveryCount);
        throw new Error('cannot handle this');
      },
      { ...FAST, maxDeliveries: 3 },
    );

    const sent = await bus.publish('poison', 'k1', { type: 'bad', payload: {} });

    await eventually('a dead letter', async () => (await probe.deadLetters('poison')).length === 1);
    expect(attempts).toEqual([1, 2, 3]);
    const [dead] = await probe.deadLetters('poison');
    expect(dead).toEqual({ id: sent.id, group: 'readers', deliveries: '3', error: 'cannot handle this' });
    const counted = await registry.getSingleMetric('bus_messages_dead_lettered_total')!.get();
    expect(counted.values[0]).toMatchObject({ value: 1, labels: { topic: 'poison', group: 'readers' } });
    expect(await probe.unacked('poison', 'readers', 'k1')).toBe(0); // acked when dead-lettered
  });

  test('when a topic is full, then publish throws BusFullError, and accepts again once the messages are consumed', async () => {
    // One partition: RabbitMQ bounds each partition queue (capacity / partitions), Redis the topic.
    // `groups`: RabbitMQ keeps messages for a group only once its queues exist.
    const bus = newBus(undefined, { tiny: { capacity: 5, partitions: 1, groups: ['readers'] } });
    for (let i = 0; i < 5; i++) await bus.publish('tiny', `k${i}`, { type: 't', payload: i });

    await expect(bus.publish('tiny', 'k9', { type: 't', payload: 9 })).rejects.toBeInstanceOf(BusFullError);
    await expect(bus.publish('tiny', 'k9', { type: 't', payload: 9 })).rejects.toMatchObject({
      code: 'service_unavailable',
      status: 503,
      topic: 'tiny',
      backlog: 5,
      capacity: 5,
    });

    let handled = 0;
    await bus.subscribe('tiny', 'readers', () => void (handled += 1), FAST);
    await eventually('the backlog to be consumed', () => handled === 5);
    await eventually('publish to be accepted again', () =>
      bus.publish('tiny', 'k9', { type: 't', payload: 9 }).then(
        () => true,
        () => false,
      ),
    );
  });

  test('when several consumers share a group, then messages with one key are handled in order, once each', async () => {
    const topics = { ordered: { partitions: 4 } };
    const handledBy = new Map<string, number>();
    const seen = new Map<string, number[]>();
    const handler = (consumerName: string) => async (message: Envelope) => {
      const { n } = message.payload as { n: number };
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      seen.set(message.key, [...(seen.get(message.key) ?? []), n]);
      handledBy.set(consumerName, (handledBy.get(consumerName) ?? 0) + 1);
    };
    const consumers = [newBus(undefined, topics), newBus(undefined, topics)];
    await consumers[0].subscribe('ordered', 'readers', handler('a'), FAST);
    await consumers[1].subscribe('ordered', 'readers', handler('b'), FAST);
    const publisher = newBus(undefined, topics);
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const perKey = 60;

    for (let n = 0; n < perKey; n++) {
      await publisher.publishBatch(
        'ordered',
        keys.map((key) => ({ key, type: 'step', payload: { n } })),
      );
      // A third consumer joins mid-stream: partitions move while messages flow.
      if (n === perKey / 2)
        await newBus(undefined, topics).subscribe('ordered', 'readers', handler('c'), FAST);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    await eventually('every message to be handled', () =>
      keys.every((key) => seen.get(key)?.length === perKey),
    );
    const expected = Array.from({ length: perKey }, (_, n) => n);
    for (const key of keys) expect(seen.get(key)).toEqual(expected);
    expect(handledBy.size).toBeGreaterThan(1);
  });

  test('when a subscription is closed mid-handler, then the handler finishes and its message is acked', async () => {
    const bus = newBus();
    let finished = false;
    let started = false;
    const subscription = await bus.subscribe(
      'slow',
      'readers',
      async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
      FAST,
    );
    await bus.publish('slow', 'k1', { type: 's', payload: {} });
    await eventually('the handler to start', () => started);

    await subscription.close();

    expect(finished).toBe(true);
    expect(await probe.unacked('slow', 'readers', 'k1')).toBe(0);
  });

  test('when two processes disagree on the partition count of a topic, then the second is refused', async () => {
    await newBus(undefined, { shaped: { partitions: 4, groups: ['readers'] } }).publish('shaped', 'k', {
      type: 't',
      payload: 1,
    });

    const other = newBus(undefined, { shaped: { partitions: 8 } });

    await expect(other.publish('shaped', 'k', { type: 't', payload: 1 })).rejects.toBeInstanceOf(
      TopicMismatchError,
    );
  });
});
