import { z } from 'zod';
import type { TopicOptions } from '@boxoffice/bus';
import { uuid } from './http/http-schemas';

/**
 * The messages of the purchase saga (docs/architecture.md, The purchase saga): the contract between the tickets and events
 * services. It lives in shared because neither service may import the other; both validate
 * what they receive with these schemas.
 */
export const PURCHASE_TOPICS = {
  /** tickets → events: `order.requested`. Keyed by event id, so one event's orders are handled in order, one partition each. */
  orders: 'orders',
  /**
   * events → tickets: `seats.reserved` / `seats.rejected`. Keyed by event id, like `orders`: a
   * batch of one event's decisions reaches the settling consumer as one batch (one statement per
   * buyers' shard), where keying by order id spread it over every partition, a few orders each.
   */
  seats: 'seats',
  /** tickets → events: `ticket.cancelled`. Keyed by event id. */
  tickets: 'tickets',
  /** tickets → tickets (every instance): `orders.settled`, one per settled batch, waking the POSTs waiting for its orders; loss costs one poll. */
  orderOutcomes: 'order-outcomes',
} as const;

/** Topic settings every process uses (publishers and consumers must agree on partitions). */
export const PURCHASE_TOPIC_OPTIONS: Record<string, TopicOptions> = {
  [PURCHASE_TOPICS.orders]: { delivery: 'at-least-once' },
  [PURCHASE_TOPICS.seats]: { delivery: 'at-least-once' },
  [PURCHASE_TOPICS.tickets]: { delivery: 'at-least-once' },
  [PURCHASE_TOPICS.orderOutcomes]: { delivery: 'at-most-once' },
};

export const REJECTION_REASONS = ['sold_out', 'not_on_sale', 'event_not_found'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const orderRequestedSchema = z.object({
  orderId: uuid,
  buyerId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1),
});
export type OrderRequested = z.infer<typeof orderRequestedSchema>;

export const seatsReservedSchema = z.object({
  orderId: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1),
});
export type SeatsReserved = z.infer<typeof seatsReservedSchema>;

export const seatsRejectedSchema = z.object({
  orderId: uuid,
  eventId: uuid,
  reason: z.enum(REJECTION_REASONS),
});
export type SeatsRejected = z.infer<typeof seatsRejectedSchema>;

export const ticketCancelledSchema = z.object({
  ticketId: uuid,
  orderId: uuid,
  eventId: uuid,
});
export type TicketCancelled = z.infer<typeof ticketCancelledSchema>;

/**
 * One order's wake-up inside `orders.settled`. `outcome` is the order's final state when the announcing consumer settled it just
 * now (settled orders never change state, so a waiting POST can answer from it without a read);
 * without it, the waiter reads the order.
 */
const orderSettledSchema = z.object({
  orderId: uuid,
  outcome: z
    .object({
      status: z.enum(['confirmed', 'rejected']),
      reason: z.enum(REJECTION_REASONS).optional(),
      ticketIds: z.array(uuid),
    })
    .optional(),
});
/** The wake-ups of one settled batch in one broadcast (what the settling consumer sends). */
export const ordersSettledSchema = z.object({ orders: z.array(orderSettledSchema) });
export type OrdersSettled = z.infer<typeof ordersSettledSchema>;

export const MESSAGE_TYPES = {
  orderRequested: 'order.requested',
  seatsReserved: 'seats.reserved',
  seatsRejected: 'seats.rejected',
  ticketCancelled: 'ticket.cancelled',
  ordersSettled: 'orders.settled',
} as const;
