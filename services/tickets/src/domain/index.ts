export { createTicketsDeps, type TicketsDeps } from './tickets-deps';
export { OutcomeWaiter, type AnnouncedOutcome, type WaitResult } from './outcome-waiter';
export { placeOrder, type PlaceOrderCommand, type PlacedOrder } from './place-order';
export { settleOrders, SETTLE_ORDER_CONSUMER } from './settle-order';
export { getOrder, getTicket, listMyTickets, cancelTicket } from './read-tickets';
