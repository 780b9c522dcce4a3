import { ShardDatabases } from '@boxoffice/sharding';
import { OutboxMessage, writeOutbox } from '@boxoffice/bus';
import type { TicketPosition, TicketRecord } from './records';
import { TicketRow, toTicket } from './ticket-rows';

/** Tickets on the buyers' shards; a ticket id routes to its buyer's shard by itself. */
export class TicketRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  /** The buyer's ticket for display: may come from a replica, never older than the buyer's own writes. */
  async findForDisplay(ticketId: string, buyerId: string): Promise<TicketRecord | undefined> {
    return this.dbs.readForKey(ticketId, async (db) => {
      const row = await db<TicketRow>('tickets').where({ id: ticketId, buyer_id: buyerId }).first();
      return row ? toTicket(row as TicketRow) : undefined;
    });
  }

  /**
   * Cancels an active ticket and writes `released(ticket)` to the outbox in the same transaction.
   * A ticket already cancelled is returned unchanged and nothing is written (a second cancel is a
   * no-op); undefined when the buyer has no such ticket.
   */
  async cancel(
    ticketId: string,
    buyerId: string,
    released: (ticket: TicketRecord) => OutboxMessage,
  ): Promise<TicketRecord | undefined> {
    return this.dbs.runForKey(ticketId, (db) =>
      db.transaction(async (trx) => {
        const [row] = await trx<TicketRow>('tickets')
          .where({ id: ticketId, buyer_id: buyerId, status: 'active' })
          .update({ status: 'cancelled', cancelled_at: trx.fn.now() })
          .returning('*');
        if (row) {
          const ticket = toTicket(row as TicketRow);
          await writeOutbox(trx, released(ticket));
          return ticket;
        }
        const existing = await trx<TicketRow>('tickets').where({ id: ticketId, buyer_id: buyerId }).first();
        return existing ? toTicket(existing as TicketRow) : undefined;
      }),
    );
  }

  /**
   * One page of a buyer's tickets, newest first, after `position`: a keyset query on the buyer's
   * shard alone (tickets are co-located with their buyer). Fetches limit + 1 to know if more follow.
   */
  async pageForBuyer(
    buyerId: string,
    limit: number,
    after?: TicketPosition,
  ): Promise<{ tickets: TicketRecord[]; more: boolean }> {
    // A page for display: may come from a replica, never older than the buyer's own writes.
    return this.dbs.readForKey(buyerId, async (db) => {
      const query = db<TicketRow>('tickets').where({ buyer_id: buyerId });
      if (after)
        query.andWhereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.createdAt, after.id]);
      const rows = await query
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit + 1);
      return {
        tickets: rows.slice(0, limit).map((row) => toTicket(row as TicketRow)),
        more: rows.length > limit,
      };
    });
  }
}
