import { ShardDatabases, ShardRouter, newColocatedId, newId } from '@boxoffice/shared';
import { OrderRepository } from '../../services/tickets/src';
import { TestEnv, createTestEnv } from '../support';

/** Concurrent POSTs are written together: one statement per shard per batch (pending-order-batch.ts). */
describe('pending orders written in batches', () => {
  let env: TestEnv;
  let dbs: ShardDatabases;
  let orders: OrderRepository;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['tickets'] });
    dbs = new ShardDatabases(new ShardRouter('tickets', env.topology.services.tickets.shards), {
      poolMax: 2,
    });
    // A long window, so every call below lands in one batch.
    orders = new OrderRepository(dbs, { batchWindowMs: 50 });
  });
  afterAll(async () => {
    await dbs.destroy();
    await env.cleanup();
  });

  function write(buyerId: string, eventId: string, idempotencyKey?: string) {
    const id = newColocatedId(buyerId);
    return orders.createPending(
      { id, buyerId, eventId, quantity: 1, idempotencyKey, requestFingerprint: 'fp' },
      {
        topic: 'orders',
        key: eventId,
        type: 'order.requested',
        payload: { orderId: id, buyerId, eventId, quantity: 1 },
      },
    );
  }

  test('when 60 buyers on every shard order at once, then each order and its outbox row are written, in call order per shard', async () => {
    const eventId = newId();
    const buyers = Array.from({ length: 60 }, () => newId());
    const placed = await Promise.all(buyers.map((buyer) => write(buyer, eventId)));
    expect(placed.every((p) => p.created && p.order.status === 'pending')).toBe(true);
    const outbox = await dbs.scatter((db) =>
      db('outbox').where({ key: eventId }).orderBy('id').select('payload'),
    );
    const relayed = outbox.flatMap((r) => (r.ok ? (r.value as { payload: { orderId: string } }[]) : []));
    expect(relayed).toHaveLength(60);
    const callOrder = placed.map((p) => p.order.id);
    for (const r of outbox) {
      if (!r.ok) continue;
      const ids = (r.value as { payload: { orderId: string } }[]).map((row) => row.payload.orderId);
      expect(ids).toEqual(callOrder.filter((id) => ids.includes(id)));
    }
  });

  test('when one buyer sends one Idempotency-Key twice in the same batch, then one order is written and both get it', async () => {
    const buyer = newId();
    const eventId = newId();
    const [a, b, other] = await Promise.all([
      write(buyer, eventId, 'k1'),
      write(buyer, eventId, 'k1'),
      write(buyer, eventId, 'k2'),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.order.id).toBe(b.order.id);
    expect(other.created).toBe(true);
    const rows = await dbs.runForKey(a.order.id, (db) =>
      db('outbox').where({ key: eventId }).select('payload'),
    );
    expect(rows).toHaveLength(2);
  });
});
