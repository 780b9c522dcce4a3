import { Subscription } from '@boxoffice/bus';
import { MESSAGE_TYPES, PURCHASE_TOPICS } from '@boxoffice/contracts';
import { ServiceMessaging } from '@boxoffice/runtime';
import { EventsDeps, releaseSeat, reserveSeats } from '../domain';

/** The consumer group of the events service on the saga's topics. */
export const EVENTS_GROUP = 'events';

/**
 * Subscribes the events service to the purchase saga: `order.requested` (reserve seats) and
 * `ticket.cancelled` (release a seat). Both are at-least-once; the inbox makes them idempotent.
 */
export async function subscribePurchaseConsumers(
  messaging: ServiceMessaging,
  deps: EventsDeps,
): Promise<Subscription[]> {
  return Promise.all([
    // In batches: a hot event's requests share a partition, and one commit per batch (not per
    // order) is what lets a rush reach hundreds of orders a second.
    messaging.bus.subscribeBatch(
      PURCHASE_TOPICS.orders,
      EVENTS_GROUP,
      async (messages) => {
        await reserveSeats(
          deps,
          messages.filter((m) => m.type === MESSAGE_TYPES.orderRequested),
        );
      },
      messaging.subscribeOptions,
    ),
    messaging.bus.subscribe(
      PURCHASE_TOPICS.tickets,
      EVENTS_GROUP,
      async (message) => {
        if (message.type === MESSAGE_TYPES.ticketCancelled) await releaseSeat(deps, message);
      },
      messaging.subscribeOptions,
    ),
  ]);
}
