import { notFound } from '@boxoffice/platform';
import { MESSAGE_TYPES, PURCHASE_TOPICS } from '@boxoffice/contracts';
import type { OrderRecord, TicketPosition, TicketRecord } from '../data-access';
import type { TicketsDeps } from './tickets-deps';

// Another buyer's order or ticket is the same 404 as a missing one (`notFound`): nothing leaks.

export async function getOrder(deps: TicketsDeps, orderId: string, buyerId: string): Promise<OrderRecord> {
  const order = await deps.orders.findForDisplay(orderId, buyerId);
  if (!order) throw notFound('order', orderId);
  return order;
}

export async function getTicket(deps: TicketsDeps, ticketId: string, buyerId: string): Promise<TicketRecord> {
  const ticket = await deps.tickets.findForDisplay(ticketId, buyerId);
  if (!ticket) throw notFound('ticket', ticketId);
  return ticket;
}

export async function listMyTickets(
  deps: TicketsDeps,
  buyerId: string,
  limit: number,
  after?: TicketPosition,
): Promise<{ tickets: TicketRecord[]; next?: TicketPosition }> {
  const page = await deps.tickets.pageForBuyer(buyerId, limit, after);
  const last = page.tickets[page.tickets.length - 1];
  return {
    tickets: page.tickets,
    ...(page.more && last ? { next: { createdAt: last.createdAt, id: last.id } } : {}),
  };
}

/**
 * Step 5 of the saga: cancel a ticket and, in the same transaction, put `ticket.cancelled` in
 * the outbox so the events service releases the seat. Cancelling again changes nothing.
 */
export async function cancelTicket(
  deps: TicketsDeps,
  ticketId: string,
  buyerId: string,
  requestId?: string,
): Promise<TicketRecord> {
  const ticket = await deps.tickets.cancel(ticketId, buyerId, (t) => ({
    topic: PURCHASE_TOPICS.tickets,
    key: t.eventId,
    type: MESSAGE_TYPES.ticketCancelled,
    payload: { ticketId: t.id, orderId: t.orderId, eventId: t.eventId },
    requestId,
  }));
  if (!ticket) throw notFound('ticket', ticketId);
  return ticket;
}
