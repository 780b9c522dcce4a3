import type { Knex } from 'knex';
import { colocatedIdSql, queryPrepared } from '@boxoffice/sharding';
import { inboxInsertSql } from '@boxoffice/bus';
import type { OrderSettlement, SettledOrder } from './records';

/** One `seats.*` message of a batch: its id (for the inbox) and the settlement it carries. */
export interface SettlementMessage {
  messageId: string;
  settlement: OrderSettlement;
}

interface SettledRow {
  order_id: string;
  status: 'confirmed' | 'rejected';
  reason: string | null;
  ticket_ids: string[];
}

/**
 * Settles a batch of one buyers' shard in ONE statement (one round trip, one commit, however many
 * orders), a data-modifying CTE over the batch as a JSON recordset:
 *
 * 1. records each message in the inbox for `consumer`; a message recorded before (a redelivery)
 *    is left out of every later step, so it has no second effect;
 * 2. confirms the fresh `confirmed` orders still pending, and rejects the fresh `rejected` ones
 *    with their reason (an order already settled is left as it is);
 * 3. issues one ticket per seat of each order confirmed just now, seat numbers 1..quantity, ids
 *    in the buyer's bucket (`colocatedIdSql`), so the count comes from the order row itself.
 *
 * Returns the orders settled now with their final state. One statement is one transaction: the
 * inbox rows, the orders and the tickets commit together or not at all. Two deliveries of one
 * message racing each other serialise on the inbox's primary key, and the second does nothing.
 * An order id appearing twice in a batch is settled by its first message only.
 */
export async function settleBatch(
  db: Knex,
  consumer: string,
  messages: readonly SettlementMessage[],
): Promise<SettledOrder[]> {
  const input = messages.map(({ messageId, settlement: { orderId, settlement } }, ord) => ({
    ord,
    message_id: messageId,
    order_id: orderId,
    outcome: settlement.outcome,
    reason: settlement.outcome === 'rejected' ? settlement.reason : null,
  }));
  const rows = await queryPrepared<SettledRow>(
    db,
    'tickets-settle-batch',
    `with input as (
       select * from jsonb_to_recordset($1::jsonb)
         as i(ord int, message_id uuid, order_id uuid, outcome text, reason text)
     ), recorded as (
       ${inboxInsertSql('$2::text', 'input')}
     ), fresh as (
       select distinct on (i.order_id) i.*
       from input i join recorded r on r.message_id = i.message_id
       order by i.order_id, i.ord
     ), confirmed as (
       update orders o set status = 'confirmed', updated_at = now()
       from fresh f
       where f.outcome = 'confirmed' and o.id = f.order_id and o.status = 'pending'
       returning o.id, o.buyer_id, o.event_id, o.quantity
     ), rejected as (
       update orders o set status = 'rejected', reason = f.reason, updated_at = now()
       from fresh f
       where f.outcome = 'rejected' and o.id = f.order_id and o.status = 'pending'
       returning o.id, o.reason
     ), issued as (
       insert into tickets (id, order_id, buyer_id, event_id, seat_number)
       select ${colocatedIdSql('c.buyer_id')}, c.id, c.buyer_id, c.event_id, seat
       from confirmed c cross join lateral generate_series(1, c.quantity) as seat
       returning id, order_id, seat_number
     )
     select c.id as order_id, 'confirmed' as status, null as reason,
            coalesce((select array_agg(t.id::text order by t.seat_number)
                      from issued t where t.order_id = c.id), '{}') as ticket_ids
     from confirmed c
     union all
     select r.id, 'rejected', r.reason, '{}' from rejected r`,
    [JSON.stringify(input), consumer],
  );
  return rows.map((row) =>
    row.status === 'confirmed'
      ? { orderId: row.order_id, status: 'confirmed', ticketIds: row.ticket_ids }
      : { orderId: row.order_id, status: 'rejected', reason: row.reason!, ticketIds: [] },
  );
}
