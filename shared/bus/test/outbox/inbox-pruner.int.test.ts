import type { Knex } from 'knex';
import { newId } from '@boxoffice/platform';
import {
  INBOX_RETENTION_MS,
  InboxPruner,
  ServiceBus,
  SUBSCRIBE_DEFAULTS,
  createBus,
  inboxMigration,
  redeliveryWindowMs,
  runInInbox,
} from '@boxoffice/bus';
import {
  REDIS_URL,
  createTestDatabase,
  effectsMigration,
  eventually,
  testKeyPrefix,
} from '../bus-test-support';

const DAY_MS = 24 * 3600 * 1000;

describe('the inbox pruner', () => {
  const { keyPrefix, cleanUp } = testKeyPrefix();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  const closers: (() => Promise<unknown>)[] = [];
  let consumerSeq = 0;
  /** Each test records under a consumer of its own, so the shared inbox table does not mix them. */
  const freshConsumer = () => `pruner-test-${++consumerSeq}`;

  function newPruner(options: { batchSize?: number; maxBatchesPerRun?: number; intervalMs?: number } = {}) {
    const pruner = new InboxPruner({ shards: [{ name: 'only', db }], ...options });
    closers.push(() => pruner.stop());
    return pruner;
  }
  /** Records `count` messages for `consumer` as processed `ageMs` ago (by the database's clock). */
  async function recordProcessed(consumer: string, count: number, ageMs: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => newId());
    await db('processed_messages').insert(
      ids.map((id) => ({
        consumer,
        message_id: id,
        processed_at: db.raw('now() - make_interval(secs => ?)', [ageMs / 1000]),
      })),
    );
    return ids;
  }
  async function remembered(consumer: string): Promise<string[]> {
    const rows = await db('processed_messages').where({ consumer }).select('message_id');
    return rows.map((row: { message_id: string }) => row.message_id).sort();
  }
  async function backdate(consumer: string, messageId: string, ageMs: number): Promise<void> {
    await db('processed_messages')
      .where({ consumer, message_id: messageId })
      .update({ processed_at: db.raw('now() - make_interval(secs => ?)', [ageMs / 1000]) });
  }

  beforeAll(async () => {
    database = await createTestDatabase([inboxMigration, effectsMigration]);
    db = database.db;
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  afterAll(async () => {
    await database.drop();
    await cleanUp();
  });

  test('the default retention is 7 days, far longer than the bus redelivers a message with its defaults (310 s)', () => {
    expect(INBOX_RETENTION_MS).toBe(7 * DAY_MS);
    expect(redeliveryWindowMs(SUBSCRIBE_DEFAULTS)).toBe(310_000);
    expect(INBOX_RETENTION_MS).toBeGreaterThan(100 * redeliveryWindowMs(SUBSCRIBE_DEFAULTS));
  });

  test('when the retention is not longer than the redelivery window, then the pruner refuses to be built', () => {
    expect(
      () =>
        new InboxPruner({ shards: [{ name: 'only', db }], retentionMs: 60_000, redeliveryWindowMs: 60_000 }),
    ).toThrow(/must be longer than the redelivery window/);
  });

  test('when rows are older than the retention, then a run deletes them and keeps the recent ones', async () => {
    const consumer = freshConsumer();
    const old = await recordProcessed(consumer, 3, INBOX_RETENTION_MS + DAY_MS);
    const recent = await recordProcessed(consumer, 2, INBOX_RETENTION_MS - DAY_MS);
    const fresh = await recordProcessed(consumer, 2, 0);

    const deleted = await newPruner().pruneOnce();

    expect(deleted).toBeGreaterThanOrEqual(old.length);
    expect(await remembered(consumer)).toEqual([...recent, ...fresh].sort());
  });

  test('when the backlog is larger than one run may delete, then each run deletes at most batchSize × maxBatchesPerRun', async () => {
    const consumer = freshConsumer();
    await recordProcessed(consumer, 250, INBOX_RETENTION_MS + DAY_MS);
    const pruner = newPruner({ batchSize: 50, maxBatchesPerRun: 3 });

    const first = await pruner.pruneOnce();
    const afterFirst = (await remembered(consumer)).length;
    const second = await pruner.pruneOnce();

    expect(first).toBe(150);
    expect(afterFirst).toBe(100);
    expect(second).toBe(100);
    expect(await remembered(consumer)).toEqual([]);
  });

  test('when started, then it prunes on its timer until stopped', async () => {
    const consumer = freshConsumer();
    await recordProcessed(consumer, 5, INBOX_RETENTION_MS + DAY_MS);
    const pruner = newPruner({ intervalMs: 100 });
    const pruned: number[] = [];
    pruner.on('pruned', (_shard: string, rows: number) => pruned.push(rows));

    pruner.start();
    await eventually('the timer pruned the old rows', async () => (await remembered(consumer)).length === 0);
    await pruner.stop();
    await recordProcessed(consumer, 1, INBOX_RETENTION_MS + DAY_MS);
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(pruned.length).toBeGreaterThan(0);
    expect(await remembered(consumer)).toHaveLength(1);
  });

  describe('with a message the bus delivers again after its effect committed', () => {
    let bus: ServiceBus;
    let topicSeq = 0;

    beforeEach(() => {
      bus = createBus({ url: REDIS_URL, keyPrefix, producer: 'test' });
      closers.push(() => bus.close());
    });

    /**
     * The first delivery commits its effect through the inbox, then (as if the ack were lost)
     * sees its inbox row aged by `ageMs`, a prune run, and fails, so the bus delivers the
     * message again. Returns how often the effect was applied.
     */
    async function deliverTwiceAcrossAPrune(ageMs: number): Promise<number> {
      const consumer = freshConsumer();
      const topic = `pruned${++topicSeq}-${newId()}`;
      const pruner = newPruner();
      let deliveries = 0;
      let handled = 0;
      await bus.subscribe(
        topic,
        'readers',
        async (message) => {
          deliveries += 1;
          await runInInbox(db, consumer, message.id, (trx) =>
            trx('effects').insert({ message_id: message.id, applied_by: consumer }),
          );
          if (deliveries === 1) {
            await backdate(consumer, message.id, ageMs);
            await pruner.pruneOnce();
            throw new Error('the ack was lost');
          }
          handled += 1;
        },
        { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200, retryDelayMs: 100 },
      );
      const sent = await bus.publish(topic, 'k', { type: 'thing.happened', payload: {} });
      await eventually('the message was delivered again and handled', () => handled >= 1);
      const rows = await db('effects')
        .where({ message_id: sent.id })
        .count<{ count: string }[]>('* as count');
      return Number(rows[0]!.count);
    }

    test('when it comes back within the retention, then a prune in between changes nothing: it is applied once', async () => {
      expect(await deliverTwiceAcrossAPrune(INBOX_RETENTION_MS - DAY_MS)).toBe(1);
    });

    test('when its row is older than the retention, then the prune forgot it (why retention must outlast every redelivery)', async () => {
      expect(await deliverTwiceAcrossAPrune(INBOX_RETENTION_MS + DAY_MS)).toBe(2);
    });
  });
});
