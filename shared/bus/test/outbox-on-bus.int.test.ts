import { Envelope, OutboxRelay, ServiceBus, createBus, runInInbox, writeOutbox } from '@boxoffice/bus';
import {
  BACKENDS,
  createTestDatabase,
  OUTBOX_TEST_MIGRATIONS,
  eventually,
  testKeyPrefix,
} from './bus-test-support';

const FAST = { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200, retryDelayMs: 50 };

/** The outbox relay and the inbox on top of each backend: what the saga relies on. */
describe.each(BACKENDS)('the outbox relay and the inbox on $name', (backend) => {
  const { keyPrefix, cleanUp } = testKeyPrefix(backend);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const closers: (() => Promise<unknown>)[] = [];
  let topicSeq = 0;
  const freshTopic = () => `relayed${++topicSeq}`;

  function newBus(): ServiceBus {
    const bus = createBus({ url: backend.url, keyPrefix, producer: 'test' });
    bus.on('error', () => undefined);
    bus.on('handlerError', () => undefined);
    closers.push(() => bus.close());
    return bus;
  }

  beforeAll(async () => {
    database = await createTestDatabase(OUTBOX_TEST_MIGRATIONS);
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  afterAll(async () => {
    await database.drop();
    await cleanUp();
  });

  test('when rows are committed, then the relay publishes them in order and deletes them', async () => {
    const topic = freshTopic();
    const bus = newBus();
    const seen: number[] = [];
    await bus.subscribe(topic, 'readers', (m: Envelope<{ n: number }>) => void seen.push(m.payload.n), FAST);
    const relay = new OutboxRelay({ bus, shards: [{ name: 'only', db: database.db }], batchSize: 10 });
    relay.on('error', () => undefined);
    closers.unshift(() => relay.close());
    await relay.start();

    for (let n = 0; n < 25; n++) {
      await database.db.transaction((trx) =>
        writeOutbox(trx, { topic, key: 'one-key', type: 'step', payload: { n } }),
      );
    }

    await eventually('every row to be published', () => seen.length === 25);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => n));
    // The relay deletes a batch's rows in the transaction that publishes it: wait for its commit.
    await eventually('the rows to be deleted', async () => {
      const [{ count }] = await database.db('outbox').count({ count: '*' });
      return Number(count) === 0;
    });
  });

  test('when a handler fails after its transaction committed, then the redelivery has no second effect', async () => {
    const topic = freshTopic();
    const bus = newBus();
    const outcomes: boolean[] = [];
    await bus.subscribe(
      topic,
      'workers',
      async (message, context) => {
        const result = await runInInbox(database.db, `workers-${topic}`, message.id, (trx) =>
          trx('effects').insert({ message_id: message.id, applied_by: 'worker' }),
        );
        outcomes.push(result.applied);
        if (context.deliveryCount === 1) throw new Error('crashed after commit');
      },
      FAST,
    );

    const sent = await bus.publish(topic, 'k', { type: 'job', payload: {} });

    await eventually('the redelivery', () => outcomes.length === 2);
    expect(outcomes).toEqual([true, false]);
    const effects = await database.db('effects').where({ message_id: sent.id });
    expect(effects).toHaveLength(1);
  });
});
