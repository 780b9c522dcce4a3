import { notFound } from '@boxoffice/platform';
import type { TicketRecord } from '../data-access';
import { ticketCancelled } from '../messages';
import type { TicketsDeps } from './tickets-deps';

/**
 * Step 5 of the saga: cancel a ticket and, in the same transaction, put `ticket.cancelled` in
 * the outbox so the events service releases the seat. Cancelling again changes nothing. Another
 * buyer's ticket is the same 404 as a missing one.
 */
export async function cancelTicket(
  deps: TicketsDeps,
  ticketId: string,
  buyerId: string,
  requestId?: string,
): Promise<TicketRecord> {
  const ticket = await deps.tickets.cancel(ticketId, buyerId, (t) => ticketCancelled(t, requestId));
  if (!ticket) throw notFound('ticket', ticketId);
  return ticket;
}
