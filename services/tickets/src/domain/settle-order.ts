import {
  Envelope,
  MESSAGE_TYPES,
  PURCHASE_TOPICS,
  seatsRejectedSchema,
  seatsReservedSchema,
} from '@boxoffice/shared';
import type { Settlement } from '../data-access';
import type { TicketsDeps } from './tickets-deps';

export const SETTLE_ORDER_CONSUMER = 'tickets.settle-order';

function settlementOf(message: Envelope): { orderId: string; settlement: Settlement } | undefined {
  if (message.type === MESSAGE_TYPES.seatsReserved) {
    return {
      orderId: seatsReservedSchema.parse(message.payload).orderId,
      settlement: { outcome: 'confirmed' },
    };
  }
  if (message.type === MESSAGE_TYPES.seatsRejected) {
    const rejected = seatsRejectedSchema.parse(message.payload);
    return { orderId: rejected.orderId, settlement: { outcome: 'rejected', reason: rejected.reason } };
  }
  return undefined;
}

/**
 * Step 3 of the purchase saga: confirm the order with one ticket per seat, or reject it, once
 * (through the inbox on the order's shard). Then, after the commit, announce it with an
 * at-most-once `order.settled` so a POST waiting on any instance wakes up; if that is lost the
 * POST answers 202 and the client polls.
 */
export async function settleOrder(deps: TicketsDeps, message: Envelope): Promise<boolean> {
  const parsed = settlementOf(message);
  if (!parsed) return false;
  const changed = await deps.orders.settle(
    parsed.orderId,
    SETTLE_ORDER_CONSUMER,
    message.id,
    parsed.settlement,
  );
  await deps.bus
    .publish(PURCHASE_TOPICS.orderOutcomes, parsed.orderId, {
      type: MESSAGE_TYPES.orderSettled,
      payload: { orderId: parsed.orderId },
      requestId: message.requestId,
    })
    .catch(() => undefined); // a lost wake-up only delays an answer; the order is already settled
  return changed;
}
