export { EventRepository, type ListingPages } from './event-repository';
export {
  EVENT_STATUSES,
  type EventStatus,
  type EventRecord,
  type NewEventRecord,
  type EventChanges,
  type UpdateConditions,
  type ListingPosition,
  type ListingQuery,
} from './records';
export {
  SeatLedgerRepository,
  type SeatDecision,
  type SeatLedgerTransaction,
  type SeatState,
} from './seat-ledger-repository';
