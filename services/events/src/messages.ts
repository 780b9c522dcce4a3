import { Envelope, InboxItem, OutboxMessage, inboxItem } from '@boxoffice/bus';
import {
  MESSAGE_TYPES,
  OrderRequested,
  PURCHASE_TOPICS,
  TicketCancelled,
  orderRequestedSchema,
  ticketCancelledSchema,
} from '@boxoffice/contracts';
import type { SeatDecision } from './data-access';

/**
 * Every message the events service sends or receives, built and parsed here and nowhere else
 * (their schemas are the contract in @boxoffice/contracts). The domain hands these builders
 * typed values and gets typed values from these parsers; envelopes stay at this edge.
 */

/** Received: the `order.requested` messages of a batch, as requests (anything else is skipped). */
export function orderRequestsOf(messages: readonly Envelope[]): InboxItem<OrderRequested>[] {
  return messages
    .filter((message) => message.type === MESSAGE_TYPES.orderRequested)
    .map((message) => inboxItem(message, orderRequestedSchema.parse(message.payload)));
}

/** Received: a `ticket.cancelled` message as the seat to give back; undefined for anything else. */
export function ticketCancellationOf(message: Envelope): InboxItem<TicketCancelled> | undefined {
  if (message.type !== MESSAGE_TYPES.ticketCancelled) return undefined;
  return inboxItem(message, ticketCancelledSchema.parse(message.payload));
}

/** Sent: the decision on one order, `seats.reserved` or `seats.rejected` (step 2 of the saga). */
export function seatsDecided(
  decision: SeatDecision,
  request: Pick<InboxItem<unknown>, 'requestId' | 'traceparent'>,
): OutboxMessage {
  const reserved = decision.outcome === 'reserved';
  return {
    topic: PURCHASE_TOPICS.seats,
    key: decision.eventId, // one event's decisions travel, and are settled, together
    type: reserved ? MESSAGE_TYPES.seatsReserved : MESSAGE_TYPES.seatsRejected,
    payload: reserved
      ? { orderId: decision.orderId, eventId: decision.eventId, quantity: decision.quantity }
      : { orderId: decision.orderId, eventId: decision.eventId, reason: decision.reason },
    requestId: request.requestId,
    // The decision continues the trace of the request it answers, not the batch's.
    ...(request.traceparent ? { traceparent: request.traceparent } : {}),
  };
}
