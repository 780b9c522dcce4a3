export { EventRepository, type ListingPages } from './event-repository';
export { EventImageRepository } from './event-image-repository';
export {
  EVENT_STATUSES,
  type EventStatus,
  type EventRecord,
  type EventImageRecord,
  type NewEventImage,
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
