import type { InboxItem } from '@boxoffice/bus';
import type { OrderRequested } from '@boxoffice/contracts';
import type { SeatDecision, SeatLedgerTransaction } from '../data-access';
import { seatsDecided } from '../messages';
import { decideOrders } from './decide-orders';
import type { EventsDeps } from './events-deps';

export const RESERVE_SEATS_CONSUMER = 'events.reserve-seats';

/**
 * One shard's part of a batch, inside its transaction (after the inbox): lock the events and read
 * the earlier decisions in one statement, decide (pure), write seats, decisions and messages in
 * one more. Returns the decisions made now.
 */
export async function decideBatch(
  ledger: SeatLedgerTransaction,
  todo: InboxItem<OrderRequested>[],
): Promise<SeatDecision[]> {
  const requests = todo.map((item) => item.payload);
  const { earlier, events } = await ledger.readForDecision(
    requests.map((r) => r.orderId),
    requests.map((r) => r.eventId),
  );
  const { decisions, fresh, seatsTaken } = decideOrders(requests, events, earlier);
  await ledger.writeDecisions({
    seatsTaken,
    fresh,
    messages: decisions.map((d, i) => seatsDecided(d, todo[i]!)),
  });
  return fresh;
}

/**
 * Step 2 of the purchase saga (docs/architecture.md, The purchase saga): decide a run of `order.requested` messages. Per
 * events shard, one transaction: record the messages in the inbox; in one statement, lock the
 * events they name and read the decisions made earlier; decide first come first served (pure,
 * decideOrders); in one more, take the seats, record each decision by order id and put
 * `seats.reserved` / `seats.rejected` in the outbox. A hot event's backlog thus costs one
 * commit and four round trips per batch, not per order. Returns the decisions made now.
 */
export async function reserveSeats(
  deps: EventsDeps,
  items: readonly InboxItem<OrderRequested>[],
): Promise<SeatDecision[]> {
  // From the first locking read to the commit (one shard per hot event, so one transaction).
  // Orders counted are those decided here, not redeliveries the inbox already recorded.
  let lockedAt: number | undefined;
  let decided = 0;
  const made = await deps.ledger.applyOnce(RESERVE_SEATS_CONSUMER, items, (ledger, todo) => {
    lockedAt ??= performance.now();
    decided += todo.length;
    return decideBatch(ledger, todo);
  });
  if (lockedAt !== undefined) deps.seatBatches.observe((performance.now() - lockedAt) / 1000, decided);
  // After commit: cached events show the seats just sold.
  const sold = new Set(made.filter((d) => d.outcome === 'reserved').map((d) => d.eventId));
  await Promise.all([...sold].map((eventId) => deps.cache.invalidate(eventId)));
  return made;
}
