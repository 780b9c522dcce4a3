import {
  Envelope,
  MESSAGE_TYPES,
  PURCHASE_TOPICS,
  RejectionReason,
  orderRequestedSchema,
} from '@boxoffice/shared';
import type { SeatDecision } from '../data-access';
import type { EventsDeps } from './events-deps';

export const RESERVE_SEATS_CONSUMER = 'events.reserve-seats';

function rejectionReason(status: string | undefined): RejectionReason {
  if (status === undefined) return 'event_not_found';
  return status === 'on_sale' ? 'sold_out' : 'not_on_sale';
}

/**
 * Step 2 of the purchase saga (DESIGN §5): decide an order. In one transaction on the event's
 * shard: take the seats with a conditional update (or find why not), record the decision by
 * order id, and put `seats.reserved` or `seats.rejected` in the outbox. An order decided before
 * (a duplicate request) gets its recorded outcome again, never a second reservation.
 */
export async function reserveSeats(deps: EventsDeps, message: Envelope): Promise<SeatDecision | undefined> {
  const request = orderRequestedSchema.parse(message.payload);
  const applied = await deps.ledger.inInbox(
    request.eventId,
    RESERVE_SEATS_CONSUMER,
    message.id,
    async (ledger) => {
      let decision = await ledger.findDecision(request.orderId);
      if (!decision) {
        const reserved = await ledger.tryReserve(request.eventId, request.quantity);
        decision = {
          orderId: request.orderId,
          eventId: request.eventId,
          buyerId: request.buyerId,
          quantity: request.quantity,
          outcome: reserved ? 'reserved' : 'rejected',
          ...(reserved ? {} : { reason: rejectionReason(await ledger.eventStatus(request.eventId)) }),
        };
        await ledger.recordDecision(decision);
      }
      await ledger.publish({
        topic: PURCHASE_TOPICS.seats,
        key: decision.orderId,
        type: decision.outcome === 'reserved' ? MESSAGE_TYPES.seatsReserved : MESSAGE_TYPES.seatsRejected,
        payload:
          decision.outcome === 'reserved'
            ? { orderId: decision.orderId, eventId: decision.eventId, quantity: decision.quantity }
            : { orderId: decision.orderId, eventId: decision.eventId, reason: decision.reason },
        requestId: message.requestId,
      });
      return decision;
    },
  );
  // After commit: the cached event shows the seats just sold.
  if (applied?.value.outcome === 'reserved') await deps.cache.invalidate(request.eventId);
  return applied?.value;
}
