import type { TicketView } from '@boxoffice/contracts';
import type { OrderRecord, TicketRecord } from '../domain';

/** The public JSON of an order (docs/architecture.md, The public API); no buyer id, no fingerprint. */
export function orderJson(order: OrderRecord) {
  return {
    id: order.id,
    eventId: order.eventId,
    quantity: order.quantity,
    status: order.status,
    ...(order.reason ? { reason: order.reason } : {}),
    ticketIds: order.ticketIds,
    createdAt: order.createdAt,
  };
}

export function ticketJson(ticket: TicketRecord): TicketView {
  return {
    id: ticket.id,
    orderId: ticket.orderId,
    eventId: ticket.eventId,
    seatNumber: ticket.seatNumber,
    status: ticket.status,
    createdAt: ticket.createdAt,
    ...(ticket.cancelledAt ? { cancelledAt: ticket.cancelledAt } : {}),
  };
}

/** 201 confirmed, 409 rejected (the order, with its reason), 202 still pending. */
export function statusForOrder(order: OrderRecord): number {
  if (order.status === 'confirmed') return 201;
  if (order.status === 'rejected') return 409;
  return 202;
}
