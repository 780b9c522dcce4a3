/** @boxoffice/events — the events service's public entry (for tests and scripts); server.ts runs it. */
export { createEventsApp } from './app';
export { parseIfMatch } from './api';
export {
  buildEventsDeps,
  comparePositions,
  decideBatch,
  decideOrders,
  mergePages,
  type EventsDeps,
} from './domain';
export { SeatLedgerRepository } from './data-access';
