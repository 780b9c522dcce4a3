import type { TicketPosition, TicketRecord } from '../data-access';
import type { TicketsDeps } from './tickets-deps';

/** One page of the buyer's tickets, newest first, and where the next page starts. */
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
