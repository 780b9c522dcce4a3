import { notFound } from '@boxoffice/platform';
import type { TicketRecord } from '../data-access';
import type { TicketsDeps } from './tickets-deps';

/** A buyer's ticket; another buyer's is the same 404 as a missing one, so nothing leaks. */
export async function getTicket(deps: TicketsDeps, ticketId: string, buyerId: string): Promise<TicketRecord> {
  const ticket = await deps.tickets.findForDisplay(ticketId, buyerId);
  if (!ticket) throw notFound('ticket', ticketId);
  return ticket;
}
