import type { Knex } from 'knex';
import { OutboxMessage, ShardDatabases, runInInbox, writeOutbox } from '@boxoffice/shared';
import type { EventStatus } from './event-record';

/** What the events service decided for one order. */
export interface SeatDecision {
  orderId: string;
  eventId: string;
  buyerId: string;
  quantity: number;
  outcome: 'reserved' | 'rejected';
  reason?: string;
}

/** The seat ledger of one event's shard, inside one transaction (see SeatLedger.inInbox). */
export interface SeatLedgerTransaction {
  findDecision(orderId: string): Promise<SeatDecision | undefined>;
  /**
   * Takes `quantity` seats if the event is on sale and has them: one conditional UPDATE, so
   * concurrent reservations cannot oversell (the row lock serialises them; the CHECK backs it up).
   */
  tryReserve(eventId: string, quantity: number): Promise<boolean>;
  eventStatus(eventId: string): Promise<EventStatus | undefined>;
  recordDecision(decision: SeatDecision): Promise<void>;
  /** Gives back one seat of a reserved order; false when every seat of it was already released. */
  releaseOne(orderId: string): Promise<boolean>;
  publish(message: OutboxMessage): Promise<void>;
}

interface DecisionRow {
  order_id: string;
  event_id: string;
  buyer_id: string;
  quantity: number;
  outcome: 'reserved' | 'rejected';
  reason: string | null;
}

function bind(trx: Knex.Transaction): SeatLedgerTransaction {
  return {
    async findDecision(orderId) {
      const row = await trx<DecisionRow>('seat_reservations').where({ order_id: orderId }).first();
      if (!row) return undefined;
      return {
        orderId: row.order_id,
        eventId: row.event_id,
        buyerId: row.buyer_id,
        quantity: row.quantity,
        outcome: row.outcome,
        ...(row.reason ? { reason: row.reason } : {}),
      };
    },
    async tryReserve(eventId, quantity) {
      const updated = await trx('events')
        .where({ id: eventId, status: 'on_sale' })
        .andWhereRaw('seats_sold + ? <= capacity', [quantity])
        .update({
          seats_sold: trx.raw('seats_sold + ?', [quantity]),
          version: trx.raw('version + 1'),
          updated_at: trx.fn.now(),
        });
      return updated === 1;
    },
    async eventStatus(eventId) {
      const row = await trx('events').where({ id: eventId }).first('status');
      return row?.status as EventStatus | undefined;
    },
    async recordDecision(decision) {
      await trx('seat_reservations').insert({
        order_id: decision.orderId,
        event_id: decision.eventId,
        buyer_id: decision.buyerId,
        quantity: decision.quantity,
        outcome: decision.outcome,
        reason: decision.reason ?? null,
      });
    },
    async releaseOne(orderId) {
      const [released] = await trx('seat_reservations')
        .where({ order_id: orderId, outcome: 'reserved' })
        .andWhereRaw('seats_released < quantity')
        .increment('seats_released', 1)
        .returning('event_id');
      if (!released) return false;
      await trx('events')
        .where({ id: (released as { event_id: string }).event_id })
        .update({
          seats_sold: trx.raw('seats_sold - 1'),
          version: trx.raw('version + 1'),
          updated_at: trx.fn.now(),
        });
      return true;
    },
    async publish(message) {
      await writeOutbox(trx, message);
    },
  };
}

/**
 * Seat reservations on the events shards. Every change runs through the inbox on the event's
 * shard, so a redelivered message changes nothing twice.
 */
export class SeatLedger {
  constructor(private readonly dbs: ShardDatabases) {}

  /**
   * Runs `work` in one transaction on `eventId`'s shard that also records (consumer, messageId)
   * in the inbox. Returns undefined when the message was already applied.
   */
  async inInbox<T>(
    eventId: string,
    consumer: string,
    messageId: string,
    work: (ledger: SeatLedgerTransaction) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    return this.dbs.runForKey(eventId, async (db) => {
      const result = await runInInbox(db, consumer, messageId, (trx) => work(bind(trx)));
      return result.applied ? { value: result.value } : undefined;
    });
  }
}
