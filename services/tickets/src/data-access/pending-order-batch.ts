import type { Knex } from 'knex';
import { queryPrepared } from '@boxoffice/sharding';
import { OUTBOX_RECORD_COLUMNS, OutboxMessage, outboxInsertSql, outboxJsonRow } from '@boxoffice/bus';
import type { NewOrder } from './records';
import type { OrderRow } from './ticket-rows';

/** One POST's write: the pending order and the `order.requested` row that must commit with it. */
export interface PendingWrite {
  order: NewOrder;
  requested: OutboxMessage;
}

/**
 * Writes a batch of pending orders of one shard and their outbox rows in ONE statement (one
 * round trip, one commit, one NOTIFY to the relay, however many orders): a data-modifying CTE
 * over the batch as a JSON recordset. An order whose (buyer, Idempotency-Key) is taken — by an
 * earlier order, a concurrent one, or an earlier row of this same batch — is not inserted and
 * gets no outbox row; it is absent from the returned rows. Orders are inserted in (buyer, key)
 * order so two batches contending for the same keys lock them in the same order (no deadlock);
 * outbox rows are written in batch order, which is the order the events service decides them in.
 */
export async function insertPendingBatch(db: Knex, writes: readonly PendingWrite[]): Promise<OrderRow[]> {
  const input = writes.map(({ order, requested }, ord) => ({
    ord,
    id: order.id,
    buyer_id: order.buyerId,
    event_id: order.eventId,
    quantity: order.quantity,
    idempotency_key: order.idempotencyKey ?? null,
    request_fingerprint: order.requestFingerprint,
    ...outboxJsonRow(requested),
  }));
  return queryPrepared<OrderRow>(
    db,
    'tickets-insert-pending-batch',
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as i(
         ord int, id uuid, buyer_id uuid, event_id uuid, quantity int, idempotency_key text,
         request_fingerprint text, ${OUTBOX_RECORD_COLUMNS})
     ), inserted as (
       insert into orders (id, buyer_id, event_id, quantity, idempotency_key, request_fingerprint, trace_context)
       select id, buyer_id, event_id, quantity, idempotency_key, request_fingerprint, trace_context
       from input order by buyer_id, idempotency_key, ord
       on conflict (buyer_id, idempotency_key) do nothing
       returning *
     ), queued as (
       ${outboxInsertSql('i', 'input i join inserted o on o.id = i.id order by i.ord')}
     )
     select * from inserted`,
    [JSON.stringify(input)],
  );
}
