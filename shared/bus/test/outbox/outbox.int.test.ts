import path from 'node:path';
import knex from 'knex';
import { Registry } from 'prom-client';
import {
  Envelope,
  OutboxRelay,
  ServiceBus,
  createBus,
  inboxHandler,
  runInInbox,
  writeOutbox,
} from '@boxoffice/bus';
import {
  Fixture,
  REDIS_URL,
  createTestDatabase,
  OUTBOX_TEST_MIGRATIONS,
  eventually,
  testKeyPrefix,
} from '../bus-test-support';

const FAST = { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200 };

describe('the outbox and the inbox', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const closers: (() => Promise<unknown>)[] = [];
  let topicSeq = 0;

  function newBus(): ServiceBus {
    const bus = createBus({ url: REDIS_URL, keyPrefix, producer: 'test' });
    closers.push(() => bus.close());
    return bus;
  }
  function newRelay(
    bus: ServiceBus,
    options: { pollIntervalMs?: number; metrics?: Registry } = {},
  ): OutboxRelay {
    const relay = new OutboxRelay({
      bus,
      shards: [{ name: 'only', db: database.db }],
      batchSize: 10,
      ...options,
    });
    closers.unshift(() => relay.close());
    return relay;
  }
  /** Each test uses a topic of its own, so the shared outbox table does not mix them. */
  const freshTopic = () => `orders${++topicSeq}`;

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

  test('when an outbox row is written in a rolled-back transaction, then it is never published', async () => {
    const topic = freshTopic();
    const bus = newBus();
    const seen: string[] = [];
    await bus.subscribe(topic, 'readers', (m) => void seen.push(m.type), FAST);
    await newRelay(bus).start();

    await database.db
      .transaction(async (trx) => {
        await writeOutbox(trx, { topic, key: 'k', type: 'rolled-back', payload: {} });
        throw new Error('abort');
      })
      .catch(() => undefined);
    await database.db.transaction((trx) =>
      writeOutbox(trx, { topic, key: 'k', type: 'committed', payload: {} }),
    );

    await eventually('the committed row to be published', () => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual(['committed']);
  });

  test('when rows are committed, then NOTIFY wakes the relay, which publishes them in order and deletes them', async () => {
    const topic = freshTopic();
    const bus = newBus();
    const registry = new Registry();
    const seen: number[] = [];
    await bus.subscribe(topic, 'readers', (m: Envelope<{ n: number }>) => void seen.push(m.payload.n), FAST);
    // A poll interval of a minute: only NOTIFY can make this test pass in time.
    await newRelay(bus, { pollIntervalMs: 60_000, metrics: registry }).start();

    for (let n = 0; n < 25; n++) {
      await database.db.transaction((trx) =>
        writeOutbox(trx, { topic, key: 'one-key', type: 'step', payload: { n } }),
      );
    }

    await eventually('every row to be published', () => seen.length === 25, 5000);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => n));
    // The relay publishes before it commits the delete (at-least-once), so a subscriber can see the
    // last message a moment before its row is gone.
    await eventually('the relayed rows to be deleted', async () => {
      const [{ count }] = await database.db('outbox').count({ count: '*' });
      return Number(count) === 0;
    });
    const relayed = await registry.getSingleMetric('outbox_relayed_total')!.get();
    expect(relayed.values.reduce((sum, v) => sum + v.value, 0)).toBe(25);
  });

  test('when its shard cannot be reached, then the relay asks less and less often (backing off up to 5 s)', async () => {
    // A real connection refused: nothing listens on port 1. Knex connects lazily, per attempt.
    const unreachable = knex({
      client: 'pg',
      connection: { connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 },
      pool: { min: 0, max: 2 },
      acquireConnectionTimeout: 1000,
    });
    closers.push(() => unreachable.destroy());
    const relay = new OutboxRelay({
      bus: newBus(),
      shards: [{ name: 'down', db: unreachable }],
      pollIntervalMs: 100,
    });
    closers.unshift(() => relay.close());
    const failedAt: number[] = [];
    relay.on('error', () => failedAt.push(Date.now()));
    const started = Date.now();
    await relay.start();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // Every 100 ms without backing off: ~40 batches (and as many LISTEN attempts) in 4 s.
    // Doubling from 100 ms: failures at about 0, 0.2, 0.6, 1.4 and 3.0 s.
    expect(failedAt.length).toBeGreaterThanOrEqual(3);
    expect(failedAt.length).toBeLessThanOrEqual(8);
    const gaps = failedAt.slice(1).map((t, i) => t - failedAt[i]!);
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
    expect(failedAt[0]! - started).toBeLessThan(2000);
  });

  test('when two relays share a shard, then each row is published once, in order', async () => {
    const topic = freshTopic();
    const bus = newBus();
    const seen: number[] = [];
    await bus.subscribe(topic, 'readers', (m: Envelope<{ n: number }>) => void seen.push(m.payload.n), FAST);
    await database.db.transaction((trx) =>
      writeOutbox(
        trx,
        ...Array.from({ length: 200 }, (_, n) => ({ topic, key: 'one-key', type: 'step', payload: { n } })),
      ),
    );

    await Promise.all([newRelay(bus).start(), newRelay(newBus()).start()]);

    await eventually('every row to be published', () => seen.length >= 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  test('when a relay is killed mid-batch, then no row is lost and the inbox absorbs the duplicates', async () => {
    const topic = freshTopic();
    const rows = Array.from({ length: 25 }, (_, n) => ({
      topic,
      key: `k${n % 3}`,
      type: 'step',
      payload: { n },
    }));
    const ids = await database.db.transaction((trx) => writeOutbox(trx, ...rows));
    const doomed = new Fixture(path.join(__dirname, 'fixtures/crashing-relay.ts'), [
      REDIS_URL,
      keyPrefix,
      database.url,
      '10',
    ]);
    const published = (await doomed.waitForLine('published ')).slice('published '.length).split(',');
    expect(published).toEqual(ids.slice(0, 10));

    await doomed.kill();
    const bus = newBus();
    const deliveries: string[] = [];
    await bus.subscribe(
      topic,
      'readers',
      inboxHandler(
        'readers',
        () => database.db,
        async (message: Envelope<{ n: number }>, trx) => {
          await trx('effects').insert({
            message_id: message.id,
            key: message.key,
            n: message.payload.n,
            applied_by: 'readers',
          });
        },
      ),
      FAST,
    );
    const countDeliveries = await bus.subscribe(topic, 'counter', (m) => void deliveries.push(m.id), FAST);
    await newRelay(bus).start();

    await eventually('every row to be applied', async () => {
      const [{ count }] = await database.db('effects').whereIn('message_id', ids).count({ count: '*' });
      return Number(count) === 25 && deliveries.length === 35;
    });
    await countDeliveries.close();
    const effects = await database.db('effects').whereIn('message_id', ids).orderBy('seq');
    expect(new Set(effects.map((e) => e.message_id)).size).toBe(25);
    for (const key of ['k0', 'k1', 'k2']) {
      const ns = effects.filter((e) => e.key === key).map((e) => e.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(deliveries.filter((id) => published.includes(id))).toHaveLength(20); // each published twice
    expect(await database.db('outbox').count({ count: '*' })).toEqual([{ count: '0' }]);
  });

  test('when the same message is handled twice through the inbox, then its effect happens once', async () => {
    const messageId = crypto.randomUUID();
    const effect = (trx: Parameters<Parameters<typeof runInInbox>[3]>[0]) =>
      trx('effects').insert({ message_id: messageId, applied_by: 'inbox-test' });

    const first = await runInInbox(database.db, 'inbox-test', messageId, effect);
    const second = await runInInbox(database.db, 'inbox-test', messageId, effect);
    const otherConsumer = await runInInbox(database.db, 'another-consumer', messageId, async () => 'ran');

    expect(first.applied).toBe(true);
    expect(second.applied).toBe(false);
    expect(otherConsumer).toEqual({ applied: true, value: 'ran' });
    expect(await database.db('effects').where({ message_id: messageId }).count({ count: '*' })).toEqual([
      { count: '1' },
    ]);
  });
});
