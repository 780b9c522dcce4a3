// First: tracing must be running before express, pg, ioredis and undici are loaded.
import '@boxoffice/tracing/register';
import { PURCHASE_TOPICS, PURCHASE_TOPIC_OPTIONS } from '@boxoffice/contracts';
import { startService } from '@boxoffice/runtime';
import { createTicketsApp } from './app';
import { PendingOrderSweeper, buildTicketsDeps, settleOrders } from './domain';
import { outcomesOf, settlementsOf } from './messages';

/** The consumer group of the tickets service on the saga's at-least-once topics. */
const TICKETS_GROUP = 'tickets';

void startService(
  {
    name: 'tickets',
    topics: PURCHASE_TOPIC_OPTIONS,
    buildDeps: buildTicketsDeps,
    createApp: createTicketsApp,
    /**
     * `seats.reserved` / `seats.rejected` settle orders (at-least-once, in batches, through the
     * inbox); `orders.settled` broadcasts wake the POSTs waiting on this instance (at-most-once:
     * every instance hears every announcement, its own included).
     */
    subscribe: (messaging, deps) =>
      Promise.all([
        messaging.bus.subscribeBatch(
          PURCHASE_TOPICS.seats,
          TICKETS_GROUP,
          async (messages) => {
            await settleOrders(deps, settlementsOf(messages));
          },
          messaging.subscribeOptions,
        ),
        messaging.bus.subscribe(PURCHASE_TOPICS.orderOutcomes, 'tickets-waiters', (message) => {
          for (const { orderId, outcome } of outcomesOf(message)) deps.waiter.notify(orderId, outcome);
        }),
      ]),
    // Re-drives orders whose bus message was lost (docs/decisions/0014-pending-order-sweeper.md).
    jobs: (ctx, deps) => [
      new PendingOrderSweeper(
        deps.orders,
        () => ctx.router.shards,
        ctx.config.PENDING_ORDER_SWEEP_MS,
        ctx.logger,
      ),
    ],
  },
  process.env,
);
