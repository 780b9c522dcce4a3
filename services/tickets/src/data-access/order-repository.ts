import type { Knex } from 'knex';
import {
  InboxItem,
  OutboxMessage,
  ShardDatabases,
  newColocatedId,
  outboxInsertFrom,
  runInboxByShard,
} from '@boxoffice/shared';
import type { NewOrder, OrderRecord, OrderSettlement, SettledOrder } from './records';
import { OrderRow, toOrder } from './ticket-rows';

/** An order and its ticket ids in one round trip, by id or by the buyer's Idempotency-Key. */
async function findOrderWithTickets(
  db: Knex,
  which: { id: string } | { idempotency_key: string },
  buyerId: string,
): Promise<OrderRecord | undefined> {
  const row = await db<OrderRow>('orders')
    .where({ ...which, buyer_id: buyerId })
    .first(
      'orders.*',
      db.raw(
        'coalesce((select array_agg(t.id order by t.seat_number) from tickets t where t.order_id = orders.id), ?) as ticket_ids',
        [db.raw("'{}'::uuid[]")],
      ),
    );
  return row ? toOrder(row as OrderRow, (row as unknown as { ticket_ids: string[] }).ticket_ids) : undefined;
}

/**
 * Orders on the buyers' shards. An order id routes to its buyer's shard by itself (it carries
 * the buyer's bucket), so no method needs the buyer to find the shard, only to check ownership.
 */
export class OrderRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  /**
   * Inserts a pending order and its `order.requested` outbox row in one transaction. With an
   * idempotency key already used by this buyer, inserts nothing and returns the existing order
   * (`created: false`); concurrent requests with one key serialise on the unique index.
   */
  async createPending(
    order: NewOrder,
    requested: OutboxMessage,
  ): Promise<{ order: OrderRecord; created: boolean }> {
    return this.dbs.runForKey(order.id, async (db) => {
      // One statement, one round trip: the order and its outbox row commit together (a statement
      // is atomic), and the outbox row exists only if the order was inserted. Four round trips
      // (begin, insert, insert, commit) cost the rush benchmark ~15 % of its throughput.
      const outbox = outboxInsertFrom('inserted', requested);
      const { rows } = await db.raw<{ rows: OrderRow[] }>(
        `with inserted as (
           insert into orders (id, buyer_id, event_id, quantity, idempotency_key, request_fingerprint)
           values (?, ?, ?, ?, ?, ?)
           on conflict (buyer_id, idempotency_key) do nothing
           returning *
         ), queued as (${outbox.sql})
         select * from inserted`,
        [
          order.id,
          order.buyerId,
          order.eventId,
          order.quantity,
          order.idempotencyKey ?? null,
          order.requestFingerprint,
          ...outbox.bindings,
        ],
      );
      if (rows[0]) return { order: toOrder(rows[0], []), created: true };
      // The key was taken by a concurrent or earlier request: its order is committed (the insert
      // waited for it), and this new statement's snapshot sees it.
      const existing = await findOrderWithTickets(
        db,
        { idempotency_key: order.idempotencyKey! },
        order.buyerId,
      );
      return { order: existing!, created: false };
    });
  }

  /** The buyer's order with its ticket ids, or undefined (unknown, or someone else's). */
  async find(orderId: string, buyerId: string): Promise<OrderRecord | undefined> {
    return this.dbs.runForKey(orderId, (db) => findOrderWithTickets(db, { id: orderId }, buyerId));
  }

  /** find for display: may come from a replica, never older than the caller's own writes. */
  async findForDisplay(orderId: string, buyerId: string): Promise<OrderRecord | undefined> {
    return this.dbs.readForKey(orderId, (db) => findOrderWithTickets(db, { id: orderId }, buyerId));
  }

  /**
   * Settles pending orders once each: per shard, one transaction that records the messages in
   * the inbox, confirms orders with one ticket per seat or rejects them with their reason, and
   * leaves settled orders as they are. Returns the orders settled now, with their final state.
   */
  async settleOnce(consumer: string, items: readonly InboxItem<OrderSettlement>[]): Promise<SettledOrder[]> {
    return runInboxByShard(
      this.dbs,
      consumer,
      items,
      (payload) => payload.orderId,
      (trx, fresh) =>
        settleInTransaction(
          trx,
          fresh.map((item) => item.payload),
        ),
    );
  }
}

async function settleInTransaction(trx: Knex.Transaction, items: OrderSettlement[]): Promise<SettledOrder[]> {
  const confirm = items.filter((i) => i.settlement.outcome === 'confirmed').map((i) => i.orderId);
  const rejectByReason = new Map<string, string[]>();
  for (const item of items) {
    if (item.settlement.outcome !== 'rejected') continue;
    rejectByReason.set(item.settlement.reason, [
      ...(rejectByReason.get(item.settlement.reason) ?? []),
      item.orderId,
    ]);
  }
  const changed: SettledOrder[] = [];
  if (confirm.length > 0) {
    const confirmed = (await trx<OrderRow>('orders')
      .whereIn('id', confirm)
      .andWhere({ status: 'pending' })
      .update({ status: 'confirmed', updated_at: trx.fn.now() })
      .returning('*')) as OrderRow[];
    const tickets = confirmed.flatMap((order) =>
      Array.from({ length: order.quantity }, (_, i) => ({
        id: newColocatedId(order.buyer_id),
        order_id: order.id,
        buyer_id: order.buyer_id,
        event_id: order.event_id,
        seat_number: i + 1,
      })),
    );
    if (tickets.length > 0) await trx('tickets').insert(tickets);
    for (const order of confirmed) {
      const ticketIds = tickets.filter((t) => t.order_id === order.id).map((t) => t.id);
      changed.push({ orderId: order.id, status: 'confirmed', ticketIds });
    }
  }
  for (const [reason, orderIds] of rejectByReason) {
    const rejected = await trx<OrderRow>('orders')
      .whereIn('id', orderIds)
      .andWhere({ status: 'pending' })
      .update({ status: 'rejected', reason, updated_at: trx.fn.now() })
      .returning('id');
    changed.push(
      ...rejected.map((row: { id: string }) => ({
        orderId: row.id,
        status: 'rejected' as const,
        reason,
        ticketIds: [],
      })),
    );
  }
  return changed;
}
