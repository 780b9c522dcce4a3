export { EventRepository } from './event-repository';
export {
  EVENT_STATUSES,
  type EventStatus,
  type EventRecord,
  type NewEventRecord,
  type EventChanges,
  type UpdateConditions,
  type ListingPosition,
  type ListingQuery,
} from './event-record';
export { SeatLedger, type SeatDecision, type SeatLedgerTransaction, type SeatState } from './seat-ledger';
