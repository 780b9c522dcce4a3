import { newId } from '@boxoffice/platform';
import { ShardDatabases, ShardRouter } from '@boxoffice/sharding';
import { SeatLedgerRepository, decideBatch } from '../../services/events/src';
import { TestEnv, createTestEnv } from '../support';

const CONSUMER = 'test.reserve';

/** Deciding a batch: one statement reads (locks) and one writes, inside the inbox's transaction. */
describe('the seat ledger', () => {
  let env: TestEnv;
  let dbs: ShardDatabases;
  let ledger: SeatLedgerRepository;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['events'] });
    dbs = new ShardDatabases(new ShardRouter('events', env.topology.services.events.shards), { poolMax: 2 });
    ledger = new SeatLedgerRepository(dbs);
  });
  afterAll(async () => {
    await dbs.destroy();
    await env.cleanup();
  });

  async function event(capacity: number, status = 'on_sale') {
    const id = newId();
    await dbs.runForKey(id, (db) =>
      db('events').insert({
        id,
        organizer_id: newId(),
        title: 't',
        venue: 'v',
        starts_at: new Date(Date.now() + 86_400_000),
        capacity,
        status,
      }),
    );
    return id;
  }
  const eventRow = (id: string) => dbs.runForKey(id, (db) => db('events').where({ id }).first());
  const request = (eventId: string, quantity: number, orderId = newId()) => ({
    messageId: newId(),
    payload: { orderId, buyerId: newId(), eventId, quantity },
  });

  /** reserveSeats without the cache: the batch through the inbox and decideBatch. */
  const decide = (items: ReturnType<typeof request>[]) => ledger.applyOnce(CONSUMER, items, decideBatch);

  test('when a batch names two events of one shard, then each takes its seats first come first served and the outbox keeps decision order', async () => {
    // Two events on the same shard, so one transaction decides both.
    const a = await event(3);
    let b = await event(5);
    while (dbs.router.shardForKey(b) !== dbs.router.shardForKey(a)) b = await event(5);
    const batch = [request(a, 2), request(b, 4), request(a, 2), request(a, 1), request(b, 2)];
    const fresh = await decide(batch);
    expect(fresh.map((d) => d.outcome)).toEqual(['reserved', 'reserved', 'rejected', 'reserved', 'rejected']);
    expect((await eventRow(a)).seats_sold).toBe(3);
    expect((await eventRow(b)).seats_sold).toBe(4);
    expect((await eventRow(a)).version).toBe(2);
    const queued = await dbs.runForKey(a, (db) =>
      db('outbox').whereIn('key', [a, b]).orderBy('id').select('payload'),
    );
    expect(queued.map((row) => row.payload.orderId)).toEqual(batch.map((i) => i.payload.orderId));
  });

  test('when a batch is delivered again, or an order is requested again under a new message id, then no seat is taken twice', async () => {
    const id = await event(10);
    const batch = [request(id, 2), request(id, 3)];
    await decide(batch);
    expect(await decide(batch)).toEqual([]);
    const again = await decide([request(id, 3, batch[1]!.payload.orderId)]);
    expect(again).toEqual([]);
    expect((await eventRow(id)).seats_sold).toBe(5);
  });

  test('when the event is unknown or not on sale, then the order is rejected with that reason and recorded', async () => {
    const cancelled = await event(10, 'cancelled');
    const fresh = await decide([request(newId(), 1), request(cancelled, 1)]);
    expect(fresh.map((d) => d.reason).sort()).toEqual(['event_not_found', 'not_on_sale']);
    expect((await eventRow(cancelled)).seats_sold).toBe(0);
  });
});
