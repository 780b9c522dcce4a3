import type { OrderRequested, RejectionReason } from '@boxoffice/contracts';
import type { SeatDecision, SeatState } from '../data-access';

/**
 * Decides a run of order requests against the events' current seats, first come first served:
 * pure, so the rules are tested without a database. An order decided earlier (a duplicate
 * request) keeps its decision and takes no seat. Returns every request's decision, the new ones,
 * and the seats to take per event.
 */
export function decideOrders(
  requests: OrderRequested[],
  events: ReadonlyMap<string, SeatState>,
  earlier: ReadonlyMap<string, SeatDecision>,
): { decisions: SeatDecision[]; fresh: SeatDecision[]; seatsTaken: Map<string, number> } {
  const left = new Map([...events].map(([id, e]) => [id, e.capacity - e.seatsSold]));
  const decided = new Map(earlier);
  const decisions: SeatDecision[] = [];
  const fresh: SeatDecision[] = [];
  const seatsTaken = new Map<string, number>();
  for (const request of requests) {
    let decision = decided.get(request.orderId);
    if (!decision) {
      const event = events.get(request.eventId);
      const base = {
        orderId: request.orderId,
        eventId: request.eventId,
        buyerId: request.buyerId,
        quantity: request.quantity,
      };
      const reason: RejectionReason | undefined = !event
        ? 'event_not_found'
        : event.status !== 'on_sale'
          ? 'not_on_sale'
          : (left.get(request.eventId) ?? 0) < request.quantity
            ? 'sold_out'
            : undefined;
      if (reason) {
        decision = { ...base, outcome: 'rejected', reason };
      } else {
        decision = { ...base, outcome: 'reserved' };
        left.set(request.eventId, left.get(request.eventId)! - request.quantity);
        seatsTaken.set(request.eventId, (seatsTaken.get(request.eventId) ?? 0) + request.quantity);
      }
      decided.set(request.orderId, decision);
      fresh.push(decision);
    }
    decisions.push(decision);
  }
  return { decisions, fresh, seatsTaken };
}
