import path from 'node:path';
import {
  DeliveryContext,
  Envelope,
  ServiceBus,
  createBus,
  inboxMigration,
  partitionOf,
  runInInbox,
} from '@boxoffice/bus';
import {
  BACKENDS,
  Fixture,
  createTestDatabase,
  effectsMigration,
  eventually,
  testKeyPrefix,
} from './bus-test-support';

/** The bus's timers for both consumers: short, or longer than the test (the connection alone tells). */
const SHORT = { leaseMs: 900, visibilityTimeoutMs: 1000 };
const TEN_MINUTES = { leaseMs: 600_000, visibilityTimeoutMs: 600_000 };

describe.each(BACKENDS)('a consumer killed in the middle of a handler, on $name', (backend) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const running: { close(): Promise<unknown> }[] = [];
  const cleanUps: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    database = await createTestDatabase([inboxMigration, effectsMigration]);
  });

  afterAll(async () => {
    for (const fixture of running.splice(0)) await fixture.close();
    await database.drop();
    for (const cleanUp of cleanUps) await cleanUp();
  });

  /**
   * The doomed consumer owns both partitions and hangs in one message's handler after its commit
   * and in another's transaction; it is SIGKILLed, then a survivor subscribes. Both messages must
   * reach the survivor, and each must have exactly one effect.
   */
  async function killAndRedeliver(timers: typeof SHORT): Promise<void> {
    const { keyPrefix, cleanUp } = testKeyPrefix(backend);
    cleanUps.push(cleanUp);
    const doomed = new Fixture(path.join(__dirname, 'fixtures/hanging-consumer.ts'), [
      backend.url,
      keyPrefix,
      database.url,
      String(timers.leaseMs),
      String(timers.visibilityTimeoutMs),
    ]);
    running.push({ close: () => doomed.kill() });
    await doomed.waitForLine('ready');
    const publisher = createBus({
      url: backend.url,
      keyPrefix,
      producer: 'test',
      topics: { jobs: { partitions: 2 } },
    });
    running.push(publisher);
    const keyA = 'key-a';
    const keyB = ['key-b', 'key-c', 'key-d', 'key-e'].find(
      (k) => partitionOf(k, 2) !== partitionOf(keyA, 2),
    )!;
    const committed = await publisher.publish('jobs', keyA, { type: 'hang-after-commit', payload: {} });
    const unfinished = await publisher.publish('jobs', keyB, { type: 'hang-in-transaction', payload: {} });
    await doomed.waitForLine(`committed ${committed.id}`);
    await doomed.waitForLine(`in-transaction ${unfinished.id}`);

    // Act
    await doomed.kill();
    const survivor: ServiceBus = createBus({
      url: backend.url,
      keyPrefix,
      producer: 'survivor',
      topics: { jobs: { partitions: 2 } },
    });
    running.push(survivor);
    const deliveries: { message: Envelope; context: DeliveryContext; applied: boolean }[] = [];
    await survivor.subscribe(
      'jobs',
      'workers',
      async (message, context) => {
        const result = await runInInbox(database.db, 'workers', message.id, (trx) =>
          trx('effects').insert({ message_id: message.id, applied_by: 'survivor' }),
        );
        deliveries.push({ message, context, applied: result.applied });
      },
      { ...timers, blockMs: 200 },
    );

    // Assert
    await eventually('both messages to be redelivered', () => deliveries.length === 2, 20_000);
    const byId = new Map(deliveries.map((d) => [d.message.id, d]));
    expect(byId.get(committed.id)).toMatchObject({ applied: false, context: { deliveryCount: 2 } });
    expect(byId.get(unfinished.id)).toMatchObject({ applied: true, context: { deliveryCount: 2 } });
    const effects = await database
      .db('effects')
      .whereIn('message_id', [committed.id, unfinished.id])
      .select('message_id', 'applied_by')
      .orderBy('message_id');
    expect(effects).toEqual(
      expect.arrayContaining([
        { message_id: committed.id, applied_by: 'doomed' },
        { message_id: unfinished.id, applied_by: 'survivor' },
      ]),
    );
    expect(effects).toHaveLength(2);
  }

  test('when it is SIGKILLed, then its messages are redelivered to another consumer and have exactly one effect', async () => {
    await killAndRedeliver(SHORT);
  });

  test('when it is SIGKILLed with its lease and visibility timeout at ten minutes, then the survivor takes its messages at once (its connection closed)', async () => {
    await killAndRedeliver(TEN_MINUTES);
  });
});
