export { buildTicketsDeps, type TicketsDeps } from './tickets-deps';
export { OutcomeWaiter, type AnnouncedOutcome, type WaitResult } from './outcome-waiter';
export { placeOrder, type PlaceOrderCommand, type PlacedOrder } from './place-order';
export { settleOrders, SETTLE_ORDER_CONSUMER } from './settle-order';
export { PendingOrderSweeper } from './pending-order-sweeper';
export { getOrder } from './get-order';
export { getTicket } from './get-ticket';
export { listMyTickets } from './list-my-tickets';
export { cancelTicket } from './cancel-ticket';
// The records the api layer shows; it never imports data-access itself.
export type { OrderRecord, TicketPosition, TicketRecord } from '../data-access';
