import { Envelope, InboxItem, OutboxMessage, inboxItem } from '@boxoffice/bus';
import {
  MESSAGE_TYPES,
  OrderRequested,
  OrdersSettled,
  PURCHASE_TOPICS,
  TicketCancelled,
  ordersSettledSchema,
  seatsRejectedSchema,
  seatsReservedSchema,
} from '@boxoffice/contracts';
import { traceparentOf } from '@boxoffice/tracing';
import type { OrderSettlement } from './data-access';

/**
 * Every message the tickets service sends or receives, built and parsed here and nowhere else
 * (their schemas are the contract in @boxoffice/contracts). The domain hands these builders
 * typed values and gets typed values from these parsers; envelopes stay at this edge.
 */

/** Sent: ask the events service for seats (step 1 of the saga; again by the pending-order sweeper). */
export function orderRequested(
  order: { id: string; buyerId: string; eventId: string; quantity: number },
  requestId?: string,
  traceparent: string | undefined = traceparentOf(),
): OutboxMessage<OrderRequested> {
  return {
    // Taken when the message is built: POSTs are written in batches, outside their own request.
    ...(traceparent ? { traceparent } : {}),
    topic: PURCHASE_TOPICS.orders,
    key: order.eventId, // one event's requests are decided in order, together
    type: MESSAGE_TYPES.orderRequested,
    payload: { orderId: order.id, buyerId: order.buyerId, eventId: order.eventId, quantity: order.quantity },
    requestId,
  };
}

/** Sent: a cancelled ticket gives its seat back (step 5 of the saga). */
export function ticketCancelled(
  ticket: { id: string; orderId: string; eventId: string },
  requestId?: string,
): OutboxMessage<TicketCancelled> {
  return {
    topic: PURCHASE_TOPICS.tickets,
    key: ticket.eventId,
    type: MESSAGE_TYPES.ticketCancelled,
    payload: { ticketId: ticket.id, orderId: ticket.orderId, eventId: ticket.eventId },
    requestId,
  };
}

/** One order of an `orders.settled` broadcast; `outcome` only when it was settled just now. */
export interface SettledOutcome {
  orderId: string;
  outcome?: { status: 'confirmed' | 'rejected'; ticketIds: string[]; reason?: string };
}

/**
 * Sent (at most once, straight on the bus): the outcomes of a settled batch, to wake the POSTs
 * waiting on every tickets instance. Keyed by the batch's first order: any key will do.
 */
export function ordersSettled(orders: SettledOutcome[], requestId?: string) {
  return {
    topic: PURCHASE_TOPICS.orderOutcomes,
    key: orders[0]!.orderId,
    message: { type: MESSAGE_TYPES.ordersSettled, payload: { orders }, requestId },
  };
}

/** Received: the events service's decisions (`seats.reserved`, `seats.rejected`) as settlements. */
export function settlementsOf(messages: readonly Envelope[]): InboxItem<OrderSettlement>[] {
  return messages.flatMap((message): InboxItem<OrderSettlement>[] => {
    if (message.type === MESSAGE_TYPES.seatsReserved) {
      const { orderId } = seatsReservedSchema.parse(message.payload);
      return [inboxItem(message, { orderId, settlement: { outcome: 'confirmed' } })];
    }
    if (message.type === MESSAGE_TYPES.seatsRejected) {
      const { orderId, reason } = seatsRejectedSchema.parse(message.payload);
      return [inboxItem(message, { orderId, settlement: { outcome: 'rejected', reason } })];
    }
    return [];
  });
}

/** Received: the outcomes an `orders.settled` broadcast announces (none for anything else). */
export function outcomesOf(message: Envelope): OrdersSettled['orders'] {
  if (message.type !== MESSAGE_TYPES.ordersSettled) return [];
  const parsed = ordersSettledSchema.safeParse(message.payload);
  return parsed.success ? parsed.data.orders : [];
}
