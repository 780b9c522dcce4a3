// First: tracing must be running before express, pg, ioredis and undici are loaded.
import '@boxoffice/tracing/register';
import { PURCHASE_TOPICS, PURCHASE_TOPIC_OPTIONS } from '@boxoffice/contracts';
import { startService } from '@boxoffice/runtime';
import { createEventsApp } from './app';
import { buildEventsDeps, releaseSeat, reserveSeats } from './domain';
import { orderRequestsOf, ticketCancellationOf } from './messages';

/** The consumer group of the events service on the saga's topics. */
const EVENTS_GROUP = 'events';

void startService(
  {
    name: 'events',
    topics: PURCHASE_TOPIC_OPTIONS,
    buildDeps: buildEventsDeps,
    createApp: createEventsApp,
    /**
     * The purchase saga: `order.requested` reserves seats, `ticket.cancelled` releases one. Both
     * at-least-once; the inbox makes them idempotent. Requests come in batches: a hot event's
     * requests share a partition, and one commit per batch (not per order) is what lets a rush
     * reach hundreds of orders a second.
     */
    subscribe: (messaging, deps) =>
      Promise.all([
        messaging.bus.subscribeBatch(
          PURCHASE_TOPICS.orders,
          EVENTS_GROUP,
          async (messages) => {
            await reserveSeats(deps, orderRequestsOf(messages));
          },
          messaging.subscribeOptions,
        ),
        messaging.bus.subscribe(
          PURCHASE_TOPICS.tickets,
          EVENTS_GROUP,
          async (message) => {
            const cancellation = ticketCancellationOf(message);
            if (cancellation) await releaseSeat(deps, cancellation);
          },
          messaging.subscribeOptions,
        ),
      ]),
  },
  process.env,
);
