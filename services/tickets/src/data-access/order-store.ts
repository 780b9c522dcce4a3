import type { Knex } from 'knex';
import { OutboxMessage, ShardDatabases, newColocatedId, runInInbox, writeOutbox } from '@boxoffice/shared';
import type { NewOrder, OrderRecord, Settlement } from './records';
import { OrderRow, toOrder } from './ticket-rows';

async function ticketIdsOf(db: Knex, orderId: string): Promise<string[]> {
  const rows = await db('tickets').where({ order_id: orderId }).orderBy('seat_number').select('id');
  return rows.map((row: { id: string }) => row.id);
}

/**
 * Orders on the buyers' shards. An order id routes to its buyer's shard by itself (it carries
 * the buyer's bucket), so no method needs the buyer to find the shard, only to check ownership.
 */
export class OrderStore {
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
    return this.dbs.runForKey(order.id, (db) =>
      db.transaction(async (trx) => {
        const insert = trx<OrderRow>('orders').insert({
          id: order.id,
          buyer_id: order.buyerId,
          event_id: order.eventId,
          quantity: order.quantity,
          idempotency_key: order.idempotencyKey ?? null,
          request_fingerprint: order.requestFingerprint,
        });
        const [row] = order.idempotencyKey
          ? await insert.onConflict(['buyer_id', 'idempotency_key']).ignore().returning('*')
          : await insert.returning('*');
        if (row) {
          await writeOutbox(trx, requested);
          return { order: toOrder(row as OrderRow, []), created: true };
        }
        const existing = await trx<OrderRow>('orders')
          .where({ buyer_id: order.buyerId, idempotency_key: order.idempotencyKey! })
          .first();
        return {
          order: toOrder(existing as OrderRow, await ticketIdsOf(trx, (existing as OrderRow).id)),
          created: false,
        };
      }),
    );
  }

  /** The buyer's order with its ticket ids, or undefined (unknown, or someone else's). */
  async find(orderId: string, buyerId: string): Promise<OrderRecord | undefined> {
    return this.dbs.runForKey(orderId, async (db) => {
      const row = await db<OrderRow>('orders').where({ id: orderId, buyer_id: buyerId }).first();
      return row ? toOrder(row as OrderRow, await ticketIdsOf(db, orderId)) : undefined;
    });
  }

  /**
   * Settles a pending order once, through the inbox on the order's shard: confirmed with one
   * ticket per seat, or rejected with the reason. A settled order is left as it is. Returns
   * whether this call changed the order (false for a duplicate message or a settled order).
   */
  async settle(
    orderId: string,
    consumer: string,
    messageId: string,
    settlement: Settlement,
  ): Promise<boolean> {
    return this.dbs.runForKey(orderId, async (db) => {
      const result = await runInInbox(db, consumer, messageId, async (trx) => {
        const [row] = await trx<OrderRow>('orders')
          .where({ id: orderId, status: 'pending' })
          .update({
            status: settlement.outcome,
            reason: settlement.outcome === 'rejected' ? settlement.reason : null,
            updated_at: trx.fn.now(),
          })
          .returning('*');
        if (!row) return false;
        if (settlement.outcome === 'confirmed') {
          const order = row as OrderRow;
          await trx('tickets').insert(
            Array.from({ length: order.quantity }, (_, i) => ({
              id: newColocatedId(order.buyer_id),
              order_id: order.id,
              buyer_id: order.buyer_id,
              event_id: order.event_id,
              seat_number: i + 1,
            })),
          );
        }
        return true;
      });
      return result.applied && result.value;
    });
  }
}
