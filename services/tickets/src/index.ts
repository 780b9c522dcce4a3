/** @boxoffice/tickets — the tickets service's public entry (for tests and scripts); server.ts runs it. */
export { createTicketsApp } from './app';
export { preferredWaitSeconds } from './api';
export { buildTicketsDeps, OutcomeWaiter, type TicketsDeps } from './domain';
export { OrderRepository, type OrderRepositoryOptions, type OrderSettlement } from './data-access';
