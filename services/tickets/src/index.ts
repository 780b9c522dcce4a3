export { createTicketsApp } from './app';
export { createTicketsDeps, type TicketsDeps } from './domain';
