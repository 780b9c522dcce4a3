import type { Knex } from 'knex';
import { ShardDatabases, queryPrepared } from '@boxoffice/sharding';
import {
  InboxItem,
  OUTBOX_RECORD_COLUMNS,
  OutboxMessage,
  outboxInsertSql,
  outboxJsonRow,
  runInboxByShard,
} from '@boxoffice/bus';
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

/** Earlier decisions and locked events: what deciding a batch needs, read in one statement. */
export interface DecisionInputs {
  earlier: Map<string, SeatDecision>;
  /** Locked FOR UPDATE until the transaction ends; an unknown event is absent. */
  events: Map<string, SeatState>;
}

/** What deciding a batch changes, written in one statement. */
export interface DecisionWrites {
  /** seats_sold += seats per event; the CHECK (seats_sold <= capacity) is the last line of defence. */
  seatsTaken: ReadonlyMap<string, number>;
  /** The decisions made now, recorded by order id. */
  fresh: readonly SeatDecision[];
  /** `seats.*` messages for the outbox, in decision order. */
  messages: readonly OutboxMessage[];
}

/** The seat ledger of one events shard, inside one transaction (see SeatLedgerRepository.applyOnce). */
export interface SeatLedgerTransaction {
  /**
   * One statement: the decisions recorded earlier for these orders, and these events locked
   * FOR UPDATE (in id order, so two batches cannot deadlock) with their seats.
   */
  readForDecision(orderIds: string[], eventIds: string[]): Promise<DecisionInputs>;
  /** One statement: takes the seats, records the decisions and queues the messages. */
  writeDecisions(writes: DecisionWrites): Promise<void>;
  /** Gives back one seat of a reserved order; false when every seat of it was already released. */
  releaseOne(orderId: string): Promise<boolean>;
}

interface DecisionRow {
  order_id: string;
  event_id: string;
  buyer_id: string;
  quantity: number;
  outcome: 'reserved' | 'rejected';
  reason: string | null;
}

interface LockedEventRow {
  id: string;
  status: EventStatus;
  capacity: number;
  seats_sold: number;
}

const toDecision = (row: DecisionRow): SeatDecision => ({
  orderId: row.order_id,
  eventId: row.event_id,
  buyerId: row.buyer_id,
  quantity: row.quantity,
  outcome: row.outcome,
  ...(row.reason ? { reason: row.reason } : {}),
});

function bind(trx: Knex.Transaction): SeatLedgerTransaction {
  return {
    async readForDecision(orderIds, eventIds) {
      const rows = await queryPrepared<{ earlier: DecisionRow[]; events: LockedEventRow[] }>(
        trx,
        'events-read-for-decision',
        `with locked as (
           select id, status, capacity, seats_sold from events
           where id = any($1::uuid[]) order by id for update
         )
         select
           coalesce((select json_agg(r) from (
             select order_id, event_id, buyer_id, quantity, outcome, reason
             from seat_reservations where order_id = any($2::uuid[])) r), '[]') as earlier,
           coalesce((select json_agg(l) from locked l), '[]') as events`,
        [[...new Set(eventIds)].sort(), orderIds],
      );
      const { earlier, events } = rows[0]!;
      return {
        earlier: new Map(earlier.map((row) => [row.order_id, toDecision(row)])),
        events: new Map(
          events.map((row) => [
            row.id,
            { status: row.status, capacity: row.capacity, seatsSold: row.seats_sold },
          ]),
        ),
      };
    },
    async writeDecisions({ seatsTaken, fresh, messages }) {
      if (fresh.length === 0 && messages.length === 0) return;
      const taken = [...seatsTaken].map(([id, seats]) => ({ id, seats }));
      const decisions = fresh.map((d) => ({
        order_id: d.orderId,
        event_id: d.eventId,
        buyer_id: d.buyerId,
        quantity: d.quantity,
        outcome: d.outcome,
        reason: d.reason ?? null,
      }));
      const queued = messages.map((m, ord) => ({ ord, ...outboxJsonRow(m) }));
      await queryPrepared(
        trx,
        'events-write-decisions',
        `with taken as (
           update events e set seats_sold = e.seats_sold + t.seats, version = e.version + 1,
                               updated_at = now()
           from jsonb_to_recordset($1::jsonb) as t(id uuid, seats int)
           where e.id = t.id
         ), recorded as (
           insert into seat_reservations (order_id, event_id, buyer_id, quantity, outcome, reason)
           select order_id, event_id, buyer_id, quantity, outcome, reason
           from jsonb_to_recordset($2::jsonb)
             as d(order_id uuid, event_id uuid, buyer_id uuid, quantity int, outcome text, reason text)
         )
         ${outboxInsertSql('m', `jsonb_to_recordset($3::jsonb) as m(ord int, ${OUTBOX_RECORD_COLUMNS}) order by m.ord`)}`,
        [JSON.stringify(taken), JSON.stringify(decisions), JSON.stringify(queued)],
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
