import { notFound } from '@boxoffice/platform';
import type { OrderRecord } from '../data-access';
import type { TicketsDeps } from './tickets-deps';

/** A buyer's order; another buyer's is the same 404 as a missing one, so nothing leaks. */
export async function getOrder(deps: TicketsDeps, orderId: string, buyerId: string): Promise<OrderRecord> {
  const order = await deps.orders.findForDisplay(orderId, buyerId);
  if (!order) throw notFound('order', orderId);
  return order;
}
