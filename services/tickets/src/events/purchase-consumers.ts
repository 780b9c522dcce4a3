import { Subscription } from '@boxoffice/bus';
import {
  MESSAGE_TYPES,
  PURCHASE_TOPICS,
  orderSettledSchema,
  ordersSettledSchema,
} from '@boxoffice/contracts';
import { ServiceMessaging } from '@boxoffice/runtime';
import { TicketsDeps, settleOrders } from '../domain';

/** The consumer group of the tickets service on the saga's at-least-once topics. */
export const TICKETS_GROUP = 'tickets';

/**
 * Subscribes the tickets service to the saga: `seats.reserved` / `seats.rejected` settle orders
 * (at-least-once, via the inbox), and `orders.settled` broadcasts wake POSTs waiting on this
 * instance (at-most-once: every instance hears every announcement, its own included).
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
      // One broadcast per settled batch; single `order.settled` from instances not yet upgraded.
      const parsed =
        message.type === MESSAGE_TYPES.ordersSettled
          ? ordersSettledSchema.safeParse(message.payload)
          : message.type === MESSAGE_TYPES.orderSettled
            ? orderSettledSchema.transform((one) => ({ orders: [one] })).safeParse(message.payload)
            : undefined;
      for (const { orderId, outcome } of parsed?.success ? parsed.data.orders : [])
        deps.waiter.notify(orderId, outcome);
    }),
  ]);
}
