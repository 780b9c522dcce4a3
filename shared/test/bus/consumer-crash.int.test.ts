import path from 'node:path';
import {
  DeliveryContext,
  Envelope,
  ServiceBus,
  createBus,
  inboxMigration,
  partitionOf,
  runInInbox,
} from '@boxoffice/shared';
import {
  BACKENDS,
  Fixture,
  createTestDatabase,
  effectsMigration,
  eventually,
  testKeyPrefix,
} from './bus-test-support';

describe.each(BACKENDS)('a consumer killed in the middle of a handler, on $name', (backend) => {
  const { keyPrefix, cleanUp } = testKeyPrefix(backend);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let survivor: ServiceBus;
  let doomed: Fixture;

  beforeAll(async () => {
    database = await createTestDatabase([inboxMigration, effectsMigration]);
  });

  afterAll(async () => {
    await doomed?.kill();
    await survivor?.close();
    await database.drop();
    await cleanUp();
  });

  test('when it is SIGKILLed, then its messages are redelivered to another consumer and have exactly one effect', async () => {
    // Arrange: the doomed consumer owns both partitions; two keys, one per partition.
    doomed = new Fixture(path.join(__dirname, 'fixtures/hanging-consumer.ts'), [
      backend.url,
      keyPrefix,
      database.url,
    ]);
    await doomed.waitForLine('ready');
    const publisher = createBus({
      url: backend.url,
      keyPrefix,
      producer: 'test',
      topics: { jobs: { partitions: 2 } },
    });
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
    survivor = createBus({
      url: backend.url,
      keyPrefix,
      producer: 'survivor',
      topics: { jobs: { partitions: 2 } },
    });
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
      { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200 },
    );

    // Assert
    await eventually('both messages to be redelivered', () => deliveries.length === 2, 20_000);
    const byId = new Map(deliveries.map((d) => [d.message.id, d]));
    expect(byId.get(committed.id)).toMatchObject({ applied: false, context: { deliveryCount: 2 } });
    expect(byId.get(unfinished.id)).toMatchObject({ applied: true, context: { deliveryCount: 2 } });
    const effects = await database.db('effects').select('message_id', 'applied_by').orderBy('message_id');
    expect(effects).toEqual(
      expect.arrayContaining([
        { message_id: committed.id, applied_by: 'doomed' },
        { message_id: unfinished.id, applied_by: 'survivor' },
      ]),
    );
    expect(effects).toHaveLength(2);
    await publisher.close();
  });
});
