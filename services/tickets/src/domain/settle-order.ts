import type { InboxItem } from '@boxoffice/bus';
import type { OrderSettlement, SettledOrder } from '../data-access';
import { ordersSettled } from '../messages';
import type { TicketsDeps } from './tickets-deps';

export const SETTLE_ORDER_CONSUMER = 'tickets.settle-order';

/** The final state to announce, for orders settled just now (not for duplicate deliveries). */
function outcomeOf(order: SettledOrder | undefined) {
  if (!order) return undefined;
  return {
    status: order.status,
    ticketIds: order.ticketIds,
    ...(order.reason ? { reason: order.reason } : {}),
  };
}

/**
 * Step 3 of the purchase saga: confirm each order with one ticket per seat, or reject it, once
 * (through the inbox, one transaction per shard for the whole batch). Then, after the commit,
 * wake the POSTs waiting for them: on this instance at once, on the others by one at-most-once
 * `orders.settled` broadcast for the whole batch; a lost broadcast only means that POST answers
 * 202 and the client polls. Orders settled earlier (a redelivery) are announced without an
 * outcome, so their waiters read them.
 */
export async function settleOrders(
  deps: TicketsDeps,
  items: readonly InboxItem<OrderSettlement>[],
): Promise<SettledOrder[]> {
  if (items.length === 0) return [];
  const changed = await deps.orders.settleOnce(SETTLE_ORDER_CONSUMER, items);
  const final = new Map(changed.map((order) => [order.orderId, order]));
  const orders = items.map(({ payload: { orderId } }) => ({
    orderId,
    outcome: outcomeOf(final.get(orderId)),
  }));
  for (const { orderId, outcome } of orders) deps.waiter.notify(orderId, outcome);
  const announcement = ordersSettled(orders, items[0]!.requestId);
  await deps.bus.publish(announcement.topic, announcement.key, announcement.message).catch(() => undefined); // a lost wake-up only delays an answer; the orders are settled
  return changed;
}
