import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import { ShardDatabases, ShardSpec, isShardMapChangedError } from '@boxoffice/sharding';
import { InboxItem, OUTBOX_TABLE, OutboxMessage, writeOutbox } from '@boxoffice/bus';
import { PendingWrite, insertPendingBatch } from './pending-order-batch';
import { settleBatch } from './settle-order-batch';
import type { NewOrder, OrderRecord, OrderSettlement, SettledOrder } from './records';
import { OrderRow, toOrder } from './ticket-rows';

interface StalePendingRow {
  id: string;
  buyer_id: string;
  event_id: string;
  quantity: number;
  trace_context: string | null;
}

/** An order the sweep asks for again, with the trace it was placed in. */
export interface StalePendingOrder {
  id: string;
  buyerId: string;
  eventId: string;
  quantity: number;
  traceparent?: string;
}

/** What the pending-order sweep asks of one shard (OrderRepository.requestStalePending). */
export interface StalePendingSweep {
  olderThanMs: number;
  limit: number;
  /** The message that asks for the order's seats again. */
  requestAgain: (order: StalePendingOrder) => OutboxMessage;
}

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

/** How long concurrent POSTs are gathered into one write, and how many at most (ORDER_BATCH_*). */
export interface OrderRepositoryOptions {
  /** Default 2 ms: a lone order waits 2 ms more; a rush writes one statement per shard per window. */
  batchWindowMs?: number;
  /** Default 200 orders per statement. */
  maxBatch?: number;
}

type CreatedPending = { order: OrderRecord; created: boolean };

/** Postgres chose this statement as a deadlock's victim (40P01): nothing of it was written. */
const isDeadlock = (err: unknown) => (err as { code?: string })?.code === '40P01';

/**
 * Orders on the buyers' shards. An order id routes to its buyer's shard by itself (it carries
 * the buyer's bucket), so no method needs the buyer to find the shard, only to check ownership.
 */
export class OrderRepository {
  /** Gathers concurrent createPending calls (DataLoader, no caching) and writes them per shard. */
  private readonly pending: DataLoader<PendingWrite, CreatedPending>;

  constructor(
    private readonly dbs: ShardDatabases,
    options: OrderRepositoryOptions = {},
  ) {
    const windowMs = options.batchWindowMs ?? 2;
    this.pending = new DataLoader((writes) => this.writePending(writes), {
      cache: false,
      maxBatchSize: options.maxBatch ?? 200,
      batchScheduleFn: (run) => setTimeout(run, windowMs),
    });
  }

  /**
   * Inserts a pending order and its `order.requested` outbox row so that both commit together,
   * and resolves only after the commit. Concurrent calls are written together: one statement per
   * buyers' shard for all of them (insertPendingBatch). With an idempotency key already used by
   * this buyer, inserts nothing and returns the existing order (`created: false`); concurrent
   * requests with one key serialise on the unique index.
   */
  async createPending(order: NewOrder, requested: OutboxMessage): Promise<CreatedPending> {
    // The batch runs in the context of whichever request started it: this request's answer still
    // reports the order's shard (and the settlement it may wait for, written there too).
    this.dbs.noteWriteFor(order.id);
    return this.pending.load({ order, requested });
  }

  /** DataLoader's batch function: per shard one statement; an Error in the slot of each write that failed. */
  private async writePending(writes: readonly PendingWrite[]): Promise<(CreatedPending | Error)[]> {
    const results: (CreatedPending | Error)[] = new Array(writes.length);
    const settle = async (shard: ShardSpec, slots: number[], regrouped = false): Promise<void> => {
      try {
        const rows = await this.dbs.runOn(shard, (db) =>
          insertPendingBatch(
            db,
            slots.map((i) => writes[i]!),
          ),
        );
        const inserted = new Map(rows.map((row) => [row.id, row]));
        await Promise.all(
          slots.map(async (i) => {
            const { order } = writes[i]!;
            const row = inserted.get(order.id);
            results[i] = row
              ? { order: toOrder(row, []), created: true }
              : await this.existing(order).catch((err: Error) => err);
          }),
        );
      } catch (err) {
        // A deadlock with another batch over the same keys rolled this one back whole: write
        // each order alone (a one-row batch cannot deadlock on keys). Other errors are the batch's.
        if (slots.length > 1 && isDeadlock(err)) await Promise.all(slots.map((i) => settle(shard, [i])));
        // A resharding moved some of these buyers' buckets away, and this process has the new
        // map now: group the slots again and write each group where it lives (once).
        else if (!regrouped && isShardMapChangedError(err)) await settleGroups(slots, true);
        else for (const i of slots) results[i] = err instanceof Error ? err : new Error(String(err));
      }
    };
    const settleGroups = async (slots: number[], regrouped: boolean): Promise<void> => {
      const groups = this.dbs.groupByShard(slots, (i) => writes[i]!.order.id);
      await Promise.all([...groups].map(([shard, group]) => settle(shard, group, regrouped)));
    };
    await settleGroups(
      writes.map((_, i) => i),
      false,
    );
    return results;
  }

  /**
   * The order that holds this order's Idempotency-Key: committed (the batch's insert waited for
   * it, or wrote it in the same statement), so a new statement's snapshot sees it.
   */
  private async existing(order: NewOrder): Promise<CreatedPending> {
    const found = await this.dbs.runForKey(order.id, (db) =>
      findOrderWithTickets(db, { idempotency_key: order.idempotencyKey! }, order.buyerId),
    );
    return { order: found!, created: false };
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
   * Settles pending orders once each: per buyers' shard one statement (settleBatch) that records
   * the messages in the inbox, confirms orders with one ticket per seat or rejects them with
   * their reason, and leaves settled orders as they are; the shards at once. Returns the orders
   * settled now, with their final state.
   */
  async settleOnce(consumer: string, items: readonly InboxItem<OrderSettlement>[]): Promise<SettledOrder[]> {
    const settled = await this.dbs.runByShard(
      items,
      (item) => item.payload.orderId,
      (db, _shard, group) =>
        settleBatch(
          db,
          consumer,
          group.map((item) => ({ messageId: item.messageId, settlement: item.payload })),
        ),
      { parallel: true },
    );
    return settled.flat();
  }

  /**
   * On one shard, up to `limit` orders still `pending` after `olderThanMs`, oldest first, whose
   * `order.requested` is not waiting in the outbox any more: each gets `requestAgain(order)`
   * written to the outbox, in one transaction with the read. Returns how many.
   */
  async requestStalePending(
    shard: ShardSpec,
    { olderThanMs, limit, requestAgain }: StalePendingSweep,
  ): Promise<number> {
    // A row naming the order is its `order.requested`: the only other message with an orderId
    // in this outbox, `ticket.cancelled`, needs a ticket, which a pending order does not have.
    return this.dbs.runOn(shard, (db) =>
      db.transaction(async (trx) => {
        const { rows } = await trx.raw<{ rows: StalePendingRow[] }>(
          `select o.id, o.buyer_id, o.event_id, o.quantity, o.trace_context from orders o
           where o.status = 'pending' and o.created_at < now() - make_interval(secs => ?)
             and not exists (
               select 1 from ${OUTBOX_TABLE} x
               where x.key = o.event_id::text and x.payload->>'orderId' = o.id::text)
           order by o.created_at
           limit ?`,
          [olderThanMs / 1000, limit],
        );
        await writeOutbox(
          trx,
          ...rows.map((row) =>
            requestAgain({
              id: row.id,
              buyerId: row.buyer_id,
              eventId: row.event_id,
              quantity: row.quantity,
              ...(row.trace_context ? { traceparent: row.trace_context } : {}),
            }),
          ),
        );
        return rows.length;
      }),
    );
  }
}
