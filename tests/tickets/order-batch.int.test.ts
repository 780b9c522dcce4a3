import { newId } from '@boxoffice/platform';
import { ShardDatabases, ShardRouter, newColocatedId } from '@boxoffice/sharding';
import { OrderRepository, type OrderSettlement } from '../../services/tickets/src';
import { TestEnv, createTestEnv } from '../support';

/** The saga's two batched writes of OrderRepository, on one stack. */
let env: TestEnv;
let dbs: ShardDatabases;
let orders: OrderRepository;

beforeAll(async () => {
  env = await createTestEnv({ services: ['tickets'] });
  dbs = new ShardDatabases(new ShardRouter('tickets', env.topology.services.tickets.shards), {
    poolMax: 2,
  });
  // A long window, so every concurrent call below lands in one batch.
  orders = new OrderRepository(dbs, { batchWindowMs: 50 });
});
afterAll(async () => {
  await dbs.destroy();
  await env.cleanup();
});

/** Concurrent POSTs are written together: one statement per shard per batch (pending-order-batch.ts). */
describe('pending orders written in batches', () => {
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

const CONSUMER = 'test.settle';

/** A batch of `seats.*` messages is settled with one statement per buyers' shard (settle-order-batch.ts). */
describe('orders settled in batches', () => {
  async function pending(quantity: number) {
    const buyerId = newId();
    const eventId = newId();
    const id = newColocatedId(buyerId);
    await orders.createPending(
      { id, buyerId, eventId, quantity, requestFingerprint: 'fp' },
      { topic: 'orders', key: eventId, type: 'order.requested', payload: { orderId: id } },
    );
    return { id, buyerId, quantity };
  }

  const item = (settlement: OrderSettlement, messageId = newId()) => ({
    messageId,
    payload: settlement,
  });
  const confirm = (orderId: string, messageId?: string) =>
    item({ orderId, settlement: { outcome: 'confirmed' } }, messageId);
  const reject = (orderId: string, reason: string, messageId?: string) =>
    item({ orderId, settlement: { outcome: 'rejected', reason } }, messageId);

  const ticketsOf = (orderId: string) =>
    dbs.runForKey(orderId, (db) => db('tickets').where({ order_id: orderId }).orderBy('seat_number'));
  const orderRow = (orderId: string) =>
    dbs.runForKey(orderId, (db) => db('orders').where({ id: orderId }).first());

  test('when a batch on every shard confirms and rejects, then each confirmed order gets one ticket per seat in its buyer bucket and each rejected one its reason', async () => {
    const placed = await Promise.all(Array.from({ length: 24 }, (_, i) => pending((i % 3) + 1)));
    const toConfirm = placed.filter((_, i) => i % 2 === 0);
    const toReject = placed.filter((_, i) => i % 2 === 1);
    const settled = await orders.settleOnce(CONSUMER, [
      ...toConfirm.map((o) => confirm(o.id)),
      ...toReject.map((o) => reject(o.id, 'sold_out')),
    ]);
    expect(settled).toHaveLength(24);
    for (const order of toConfirm) {
      const tickets = await ticketsOf(order.id);
      expect(tickets.map((t) => t.seat_number)).toEqual(
        Array.from({ length: order.quantity }, (_, i) => i + 1),
      );
      expect(tickets.every((t) => t.id.slice(0, 2) === order.buyerId.slice(0, 2))).toBe(true);
      expect(tickets.every((t) => t.buyer_id === order.buyerId)).toBe(true);
      const reported = settled.find((s) => s.orderId === order.id)!;
      expect(reported).toEqual({
        orderId: order.id,
        status: 'confirmed',
        ticketIds: tickets.map((t) => t.id),
      });
      expect((await orderRow(order.id)).status).toBe('confirmed');
    }
    for (const order of toReject) {
      expect(await ticketsOf(order.id)).toHaveLength(0);
      expect(settled.find((s) => s.orderId === order.id)).toEqual({
        orderId: order.id,
        status: 'rejected',
        reason: 'sold_out',
        ticketIds: [],
      });
      expect(await orderRow(order.id)).toMatchObject({ status: 'rejected', reason: 'sold_out' });
    }
  });

  test('when a message is delivered again, alone or twice in one batch, then it has no second effect', async () => {
    const order = await pending(2);
    const messageId = newId();
    const first = await orders.settleOnce(CONSUMER, [
      confirm(order.id, messageId),
      confirm(order.id, messageId),
    ]);
    expect(first).toHaveLength(1);
    expect(await orders.settleOnce(CONSUMER, [confirm(order.id, messageId)])).toEqual([]);
    expect(await ticketsOf(order.id)).toHaveLength(2);
  });

  test('when a settled order gets another message (a new id), then it stays as it was settled', async () => {
    const order = await pending(1);
    await orders.settleOnce(CONSUMER, [reject(order.id, 'not_on_sale')]);
    expect(await orders.settleOnce(CONSUMER, [confirm(order.id)])).toEqual([]);
    expect(await orderRow(order.id)).toMatchObject({ status: 'rejected', reason: 'not_on_sale' });
    expect(await ticketsOf(order.id)).toHaveLength(0);
  });

  test('when one order has two messages in one batch, then only the first settles it', async () => {
    const order = await pending(1);
    const settled = await orders.settleOnce(CONSUMER, [confirm(order.id), reject(order.id, 'sold_out')]);
    expect(settled.map((s) => s.status)).toEqual(['confirmed']);
    expect(await ticketsOf(order.id)).toHaveLength(1);
  });

  test('when two deliveries of one batch race each other, then the orders are settled once', async () => {
    const placed = await Promise.all(Array.from({ length: 8 }, () => pending(1)));
    const batch = placed.map((o) => confirm(o.id));
    const [a, b] = await Promise.all([
      orders.settleOnce(CONSUMER, batch),
      orders.settleOnce(CONSUMER, batch),
    ]);
    expect(a.length + b.length).toBe(8);
    for (const order of placed) expect(await ticketsOf(order.id)).toHaveLength(1);
  });

  test('when an order id is unknown, then nothing is written for it and the rest settle', async () => {
    const order = await pending(1);
    const unknown = newColocatedId(order.buyerId);
    const settled = await orders.settleOnce(CONSUMER, [confirm(unknown), confirm(order.id)]);
    expect(settled.map((s) => s.orderId)).toEqual([order.id]);
    expect(await ticketsOf(unknown)).toHaveLength(0);
  });
});

describe('the pending-order sweep and traces', () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  test('when an order placed in a trace is still pending and its message is gone, then the sweep re-requests it in the same trace', async () => {
    const buyerId = newId();
    const eventId = newId();
    const id = newColocatedId(buyerId);
    const requested = {
      topic: 'orders',
      key: eventId,
      type: 'order.requested',
      payload: { orderId: id, buyerId, eventId, quantity: 1 },
      traceparent,
    };
    await orders.createPending({ id, buyerId, eventId, quantity: 1, requestFingerprint: 'fp' }, requested);
    const shard = dbs.router.shardForKey(buyerId);
    // As if the relay had published it and the bus then lost it, ten minutes ago.
    await dbs.runOn(shard, async (db) => {
      expect((await db('outbox').where({ key: eventId }).first()).trace_context).toBe(traceparent);
      await db('outbox').where({ key: eventId }).delete();
      await db('orders')
        .where({ id })
        .update({ created_at: db.raw("now() - interval '10 minutes'") });
    });
    const again = await orders.requestStalePending(shard, {
      olderThanMs: 60_000,
      limit: 10,
      requestAgain: (order) => ({
        topic: 'orders',
        key: order.eventId,
        type: 'order.requested',
        payload: { orderId: order.id },
        traceparent: order.traceparent,
      }),
    });
    expect(again).toBeGreaterThanOrEqual(1);
    const row = await dbs.runOn(shard, (db) => db('outbox').where({ key: eventId }).first());
    expect(row).toMatchObject({ type: 'order.requested', trace_context: traceparent });
  });
});
