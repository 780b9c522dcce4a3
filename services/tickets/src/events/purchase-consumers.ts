import {
  MESSAGE_TYPES,
  PURCHASE_TOPICS,
  ServiceMessaging,
  Subscription,
  orderSettledSchema,
} from '@boxoffice/shared';
import { TicketsDeps, settleOrders } from '../domain';

/** The consumer group of the tickets service on the saga's at-least-once topics. */
export const TICKETS_GROUP = 'tickets';

/**
 * Subscribes the tickets service to the saga: `seats.reserved` / `seats.rejected` settle orders
 * (at-least-once, via the inbox), and `order.settled` broadcasts wake POSTs waiting on this
 * instance (at-most-once: every instance hears every announcement).
 */
export async function subscribePurchaseConsumers(
  messaging: ServiceMessaging,
  deps: TicketsDeps,
): Promise<Subscription[]> {
  return Promise.all([
    messaging.bus.subscribeBatch(
      PURCHASE_TOPICS.seats,
      TICKETS_GROUP,
      async (messages) => {
        await settleOrders(deps, messages);
      },
      messaging.subscribeOptions,
    ),
    messaging.bus.subscribe(PURCHASE_TOPICS.orderOutcomes, 'tickets-waiters', (message) => {
      if (message.type !== MESSAGE_TYPES.orderSettled) return;
      const parsed = orderSettledSchema.safeParse(message.payload);
      if (parsed.success) deps.waiter.notify(parsed.data.orderId, parsed.data.outcome);
    }),
  ]);
}
