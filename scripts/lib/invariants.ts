import knex, { Knex } from 'knex';
import { SERVICE_NAMES, ServiceName, Topology } from '@boxoffice/shared';

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

type Databases = Record<ServiceName, Knex[]>;

function openAll(topology: Topology): Databases {
  const dbs = {} as Databases;
  for (const service of SERVICE_NAMES) {
    dbs[service] = topology.services[service].shards.map((shard) =>
      knex({ client: 'pg', connection: shard.primary, pool: { min: 0, max: 2 } }),
    );
  }
  return dbs;
}

async function allRows<T>(shards: Knex[], query: (db: Knex) => Promise<T[]>): Promise<T[]> {
  return (await Promise.all(shards.map(query))).flat();
}

interface EventRow {
  id: string;
  capacity: number;
  seats_sold: number;
  held: string | number;
}
interface OrderRow {
  id: string;
  event_id: string;
  quantity: number;
  status: string;
  tickets: string | number;
  active: string | number;
}
interface DecisionRow {
  order_id: string;
  quantity: number;
  outcome: string;
  seats_released: number;
}

/**
 * Checks DESIGN §5's invariants over every shard, for a quiet system:
 * - every event: 0 ≤ seats_sold ≤ capacity;
 * - seats_sold = seats held by its reservations (quantity − released) = its active tickets on all ticket shards;
 * - every order is confirmed or rejected; a confirmed order has exactly `quantity` tickets, a rejected one none;
 * - every order's outcome matches the events service's decision, and its active tickets the seats it still holds.
 */
export async function checkInvariants(topology: Topology): Promise<InvariantReport> {
  const dbs = openAll(topology);
  try {
    const [events, orders, decisions, ticketsPerEvent] = await Promise.all([
      allRows<EventRow>(dbs.events, (db) =>
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
      ),
      allRows<OrderRow>(dbs.tickets, (db) =>
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
      ),
      allRows<DecisionRow>(dbs.events, (db) =>
        db('seat_reservations').select('order_id', 'quantity', 'outcome', 'seats_released'),
      ),
      allRows<{ event_id: string; active: string | number }>(dbs.tickets, (db) =>
        db('tickets')
          .where({ status: 'active' })
          .groupBy('event_id')
          .select('event_id', db.raw('count(*) as active')),
      ),
    ]);

    const violations: Violation[] = [];
    const activeByEvent = new Map<string, number>();
    for (const row of ticketsPerEvent)
      activeByEvent.set(row.event_id, (activeByEvent.get(row.event_id) ?? 0) + Number(row.active));

    for (const event of events) {
      const ids = { eventId: event.id };
      if (event.seats_sold < 0 || event.seats_sold > event.capacity) {
        violations.push({
          invariant: 'seats_sold within capacity',
          ids,
          detail: `seats_sold ${event.seats_sold}, capacity ${event.capacity}`,
        });
      }
      if (Number(event.held) !== event.seats_sold) {
        violations.push({
          invariant: 'seats_sold = seats held by reservations',
          ids,
          detail: `seats_sold ${event.seats_sold}, reservations hold ${event.held}`,
        });
      }
      const active = activeByEvent.get(event.id) ?? 0;
      if (active !== event.seats_sold) {
        violations.push({
          invariant: 'seats_sold = active tickets',
          ids,
          detail: `seats_sold ${event.seats_sold}, active tickets ${active}`,
        });
      }
    }

    const decisionByOrder = new Map(decisions.map((d) => [d.order_id, d]));
    let pendingOrders = 0;
    let activeTickets = 0;
    for (const order of orders) {
      const ids = { orderId: order.id, eventId: order.event_id };
      const tickets = Number(order.tickets);
      const active = Number(order.active);
      activeTickets += active;
      const decision = decisionByOrder.get(order.id);
      if (order.status === 'pending') {
        pendingOrders++;
        violations.push({ invariant: 'every order is settled', ids, detail: 'order is still pending' });
        continue;
      }
      if (order.status === 'confirmed') {
        if (tickets !== order.quantity) {
          violations.push({
            invariant: 'a confirmed order has one ticket per seat',
            ids,
            detail: `quantity ${order.quantity}, tickets ${tickets}`,
          });
        }
        if (decision?.outcome !== 'reserved') {
          violations.push({
            invariant: 'a confirmed order has a reservation',
            ids,
            detail: `events decided ${decision?.outcome ?? 'nothing'}`,
          });
        } else if (active !== decision.quantity - decision.seats_released) {
          violations.push({
            invariant: "an order's active tickets = the seats it holds",
            ids,
            detail: `active tickets ${active}, reservation holds ${decision.quantity - decision.seats_released}`,
          });
        }
      } else {
        if (tickets !== 0)
          violations.push({
            invariant: 'a rejected order has no tickets',
            ids,
            detail: `tickets ${tickets}`,
          });
        if (decision?.outcome === 'reserved') {
          violations.push({
            invariant: 'a rejected order holds no seats',
            ids,
            detail: 'the events service reserved seats for it',
          });
        }
      }
    }
    return {
      violations,
      counts: { events: events.length, orders: orders.length, activeTickets, pendingOrders },
    };
  } finally {
    await Promise.all(SERVICE_NAMES.flatMap((s) => dbs[s].map((db) => db.destroy())));
  }
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
