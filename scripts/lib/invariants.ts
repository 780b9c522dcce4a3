import knex, { Knex } from 'knex';
import { withPublishedMaps } from '@boxoffice/reshard';
import { SERVICE_NAMES, ServiceName, Topology } from '@boxoffice/runtime';

/** One broken invariant, with the ids needed to find it. */
export interface Violation {
  invariant: string;
  ids: Record<string, string>;
  detail: string;
}

export interface InvariantReport {
  violations: Violation[];
  counts: { events: number; orders: number; activeTickets: number; pendingOrders: number };
}

/** An event with the seats its reservations hold (quantity − released, summed). */
export interface EventFact {
  id: string;
  capacity: number;
  seatsSold: number;
  heldByReservations: number;
}

/** An order with its tickets, all and active. */
export interface OrderFact {
  id: string;
  eventId: string;
  quantity: number;
  status: string;
  tickets: number;
  activeTickets: number;
}

/** What the events service decided for an order. */
export interface DecisionFact {
  orderId: string;
  quantity: number;
  outcome: string;
  seatsReleased: number;
}

/** Everything the invariants are about, read from every shard. */
export interface SagaFacts {
  events: EventFact[];
  orders: OrderFact[];
  decisions: DecisionFact[];
  /** Active tickets per event id, summed over every tickets shard. */
  activeTicketsByEvent: Map<string, number>;
}

/** Each service's shard databases (their primaries' URLs). */
type Databases = Record<ServiceName, string[]>;

function databasesOf(topology: Topology): Databases {
  const dbs = {} as Databases;
  for (const service of SERVICE_NAMES) dbs[service] = topology.services[service].shards.map((s) => s.primary);
  return dbs;
}

/**
 * Runs `query` on each shard in turn, on one connection opened for it and closed after: the
 * check holds one connection at a time, however many shards a resharding added (it runs on a
 * server whose connections the stack's pools were sized to fill; connection-budget.ts).
 */
async function allRows<T>(shards: string[], query: (db: Knex) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (const url of shards) {
    const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
    try {
      rows.push(...(await query(db)));
    } finally {
      await db.destroy();
    }
  }
  return rows;
}

/** Reads the facts from every shard, one query at a time (counts arrive as strings from pg; made numbers here). */
async function readFacts(dbs: Databases): Promise<SagaFacts> {
  const events = await allRows(dbs.events, (db) =>
    db('events as e')
      .leftJoin('seat_reservations as r', function () {
        this.on('r.event_id', '=', 'e.id').andOnVal('r.outcome', '=', 'reserved');
      })
      .groupBy('e.id', 'e.capacity', 'e.seats_sold')
      .select(
        'e.id',
        'e.capacity',
        'e.seats_sold',
        db.raw('coalesce(sum(r.quantity - r.seats_released), 0) as held'),
      ),
  );
  const orders = await allRows(dbs.tickets, (db) =>
    db('orders as o')
      .leftJoin('tickets as t', 't.order_id', 'o.id')
      .groupBy('o.id', 'o.event_id', 'o.quantity', 'o.status')
      .select(
        'o.id',
        'o.event_id',
        'o.quantity',
        'o.status',
        db.raw('count(t.id) as tickets'),
        db.raw("count(t.id) filter (where t.status = 'active') as active"),
      ),
  );
  const decisions = await allRows(dbs.events, (db) =>
    db('seat_reservations').select('order_id', 'quantity', 'outcome', 'seats_released'),
  );
  const ticketsPerEvent = await allRows(dbs.tickets, (db) =>
    db('tickets')
      .where({ status: 'active' })
      .groupBy('event_id')
      .select('event_id', db.raw('count(*) as active')),
  );
  const activeTicketsByEvent = new Map<string, number>();
  for (const row of ticketsPerEvent) {
    activeTicketsByEvent.set(
      row.event_id,
      (activeTicketsByEvent.get(row.event_id) ?? 0) + Number(row.active),
    );
  }
  return {
    events: events.map((e) => ({
      id: e.id,
      capacity: e.capacity,
      seatsSold: e.seats_sold,
      heldByReservations: Number(e.held),
    })),
    orders: orders.map((o) => ({
      id: o.id,
      eventId: o.event_id,
      quantity: o.quantity,
      status: o.status,
      tickets: Number(o.tickets),
      activeTickets: Number(o.active),
    })),
    decisions: decisions.map((d) => ({
      orderId: d.order_id,
      quantity: d.quantity,
      outcome: d.outcome,
      seatsReleased: d.seats_released,
    })),
    activeTicketsByEvent,
  };
}

/**
 * the purchase invariants (docs/architecture.md, The purchase saga), for a quiet system, on facts already read (pure, so every rule is
 * unit-tested without a database):
 * - every event: 0 ≤ seats_sold ≤ capacity;
 * - seats_sold = seats held by its reservations (quantity − released) = its active tickets on all ticket shards;
 * - every order is confirmed or rejected; a confirmed order has exactly `quantity` tickets, a rejected one none;
 * - every order's outcome matches the events service's decision, and its active tickets the seats it still holds.
 */
export function findViolations(facts: SagaFacts): InvariantReport {
  const violations: Violation[] = [];
  const broken = (invariant: string, ids: Record<string, string>, detail: string) =>
    violations.push({ invariant, ids, detail });

  for (const event of facts.events) {
    const ids = { eventId: event.id };
    const active = facts.activeTicketsByEvent.get(event.id) ?? 0;
    if (event.seatsSold < 0 || event.seatsSold > event.capacity) {
      broken('seats_sold within capacity', ids, `seats_sold ${event.seatsSold}, capacity ${event.capacity}`);
    }
    if (event.heldByReservations !== event.seatsSold) {
      broken(
        'seats_sold = seats held by reservations',
        ids,
        `seats_sold ${event.seatsSold}, reservations hold ${event.heldByReservations}`,
      );
    }
    if (active !== event.seatsSold) {
      broken('seats_sold = active tickets', ids, `seats_sold ${event.seatsSold}, active tickets ${active}`);
    }
  }

  const decisionByOrder = new Map(facts.decisions.map((d) => [d.orderId, d]));
  let pendingOrders = 0;
  let activeTickets = 0;
  for (const order of facts.orders) {
    const ids = { orderId: order.id, eventId: order.eventId };
    const decision = decisionByOrder.get(order.id);
    activeTickets += order.activeTickets;
    if (order.status === 'pending') {
      pendingOrders++;
      broken('every order is settled', ids, 'order is still pending');
    } else if (order.status === 'confirmed') {
      if (order.tickets !== order.quantity) {
        broken(
          'a confirmed order has one ticket per seat',
          ids,
          `quantity ${order.quantity}, tickets ${order.tickets}`,
        );
      }
      if (decision?.outcome !== 'reserved') {
        broken(
          'a confirmed order has a reservation',
          ids,
          `events decided ${decision?.outcome ?? 'nothing'}`,
        );
      } else if (order.activeTickets !== decision.quantity - decision.seatsReleased) {
        const held = decision.quantity - decision.seatsReleased;
        broken(
          "an order's active tickets = the seats it holds",
          ids,
          `active tickets ${order.activeTickets}, reservation holds ${held}`,
        );
      }
    } else {
      if (order.tickets !== 0) broken('a rejected order has no tickets', ids, `tickets ${order.tickets}`);
      if (decision?.outcome === 'reserved') {
        broken('a rejected order holds no seats', ids, 'the events service reserved seats for it');
      }
    }
  }
  return {
    violations,
    counts: { events: facts.events.length, orders: facts.orders.length, activeTickets, pendingOrders },
  };
}

/**
 * Checks the invariants over every shard of a topology (see findViolations for the rules), as a
 * resharding left it: the latest published shard maps replace the topology's own.
 */
export async function checkInvariants(topology: Topology): Promise<InvariantReport> {
  return findViolations(await readFacts(databasesOf(await withPublishedMaps(topology))));
}

/**
 * The invariants hold for a quiet system; right after a burst, messages are still in flight
 * (an order reserved but not yet confirmed looks like a violation). So check again every 500 ms
 * until they hold or `settleMs` has passed, and report the last check.
 */
export async function checkInvariantsWhenQuiet(
  topology: Topology,
  settleMs = 30_000,
): Promise<InvariantReport> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const report = await checkInvariants(topology);
    if (report.violations.length === 0 || Date.now() >= deadline) return report;
    await new Promise((r) => setTimeout(r, 500));
  }
}
