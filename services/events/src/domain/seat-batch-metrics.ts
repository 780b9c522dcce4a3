import { Histogram, type Registry } from 'prom-client';

/**
 * How long a batch of seat decisions holds the rows of its events, from the statement that locks
 * them to the commit that frees them, and how many orders it decided. Orders for one event are
 * decided one batch at a time, so for a hot event these two give the saga's serial limit: orders
 * per batch ÷ seconds held per batch is the most orders per second one event can be sold at,
 * whatever the number of cores (`npm run lab -- scaling` reads them from /metrics).
 */
export class SeatBatchMetrics {
  private readonly held: Histogram;
  private readonly orders: Histogram;

  constructor(registry: Registry) {
    const existing = (name: string) => registry.getSingleMetric(name) as Histogram | undefined;
    this.held =
      existing('events_seat_batch_hold_seconds') ??
      new Histogram({
        name: 'events_seat_batch_hold_seconds',
        help: "Time a seat-decision batch holds its events' rows: from the locking read to the commit",
        // 0.5 ms (one order, idle) to 1 s (a batch waiting on a busy CPU).
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      });
    this.orders =
      existing('events_seat_batch_orders') ??
      new Histogram({
        name: 'events_seat_batch_orders',
        help: 'Orders decided by one seat-decision batch',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
        registers: [registry],
      });
  }

  observe(heldSeconds: number, orders: number): void {
    this.held.observe(heldSeconds);
    this.orders.observe(orders);
  }
}
