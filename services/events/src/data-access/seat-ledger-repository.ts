import type { Knex } from 'knex';
import { InboxItem, OutboxMessage, ShardDatabases, runInboxByShard, writeOutbox } from '@boxoffice/shared';
import type { EventStatus } from './records';

/** What the events service decided for one order. */
export interface SeatDecision {
  orderId: string;
  eventId: string;
  buyerId: string;
  quantity: number;
  outcome: 'reserved' | 'rejected';
  reason?: string;
}

/** The seat-relevant state of an event, read under a row lock. */
export interface SeatState {
  status: EventStatus;
  capacity: number;
  seatsSold: number;
}

/** The seat ledger of one events shard, inside one transaction (see SeatLedgerRepository.applyOnce). */
export interface SeatLedgerTransaction {
  findDecisions(orderIds: string[]): Promise<Map<string, SeatDecision>>;
  /** Locks the events (FOR UPDATE, in id order so two batches cannot deadlock) and reads their seats. */
  lockEvents(eventIds: string[]): Promise<Map<string, SeatState>>;
  /** seats_sold += seats; the CHECK (seats_sold <= capacity) is the last line of defence. */
  takeSeats(eventId: string, seats: number): Promise<void>;
  recordDecisions(decisions: SeatDecision[]): Promise<void>;
  /** Gives back one seat of a reserved order; false when every seat of it was already released. */
  releaseOne(orderId: string): Promise<boolean>;
  publish(messages: OutboxMessage[]): Promise<void>;
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
    async findDecisions(orderIds) {
      if (orderIds.length === 0) return new Map();
      const rows = await trx<DecisionRow>('seat_reservations').whereIn('order_id', orderIds);
      return new Map(
        rows.map((row) => [
          row.order_id,
          {
            orderId: row.order_id,
            eventId: row.event_id,
            buyerId: row.buyer_id,
            quantity: row.quantity,
            outcome: row.outcome,
            ...(row.reason ? { reason: row.reason } : {}),
          },
        ]),
      );
    },
    async lockEvents(eventIds) {
      if (eventIds.length === 0) return new Map();
      const rows = await trx('events')
        .whereIn('id', [...new Set(eventIds)].sort())
        .orderBy('id')
        .forUpdate()
        .select('id', 'status', 'capacity', 'seats_sold');
      return new Map(
        rows.map((row: { id: string; status: EventStatus; capacity: number; seats_sold: number }) => [
          row.id,
          { status: row.status, capacity: row.capacity, seatsSold: row.seats_sold },
        ]),
      );
    },
    async takeSeats(eventId, seats) {
      await trx('events')
        .where({ id: eventId })
        .update({
          seats_sold: trx.raw('seats_sold + ?', [seats]),
          version: trx.raw('version + 1'),
          updated_at: trx.fn.now(),
        });
    },
    async recordDecisions(decisions) {
      if (decisions.length === 0) return;
      await trx('seat_reservations').insert(
        decisions.map((d) => ({
          order_id: d.orderId,
          event_id: d.eventId,
          buyer_id: d.buyerId,
          quantity: d.quantity,
          outcome: d.outcome,
          reason: d.reason ?? null,
        })),
      );
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
    async publish(messages) {
      await writeOutbox(trx, ...messages);
    },
  };
}

/**
 * Seat reservations on the events shards. Every change runs in one transaction per shard that
 * also records the messages it applies in the inbox, so a redelivered message changes nothing.
 */
export class SeatLedgerRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  /**
   * Applies a batch of messages about events once each: per events shard, one transaction that
   * records the messages in the inbox and runs `work` with the items not applied before (in
   * batch order). A shard whose items were all applied already is skipped. Returns what `work`
   * returned, over every shard.
   */
  async applyOnce<P extends { eventId: string }, R>(
    consumer: string,
    items: readonly InboxItem<P>[],
    work: (ledger: SeatLedgerTransaction, fresh: InboxItem<P>[]) => Promise<R[]>,
  ): Promise<R[]> {
    return runInboxByShard(
      this.dbs,
      consumer,
      items,
      (payload) => payload.eventId,
      (trx, fresh) => work(bind(trx), fresh),
    );
  }
}
