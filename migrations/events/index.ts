import { Migration, shardIdentityMigration } from '@boxoffice/sharding';
import { inboxMigration, outboxMigration, outboxTraceContextMigration } from '@boxoffice/bus';
import { eventsTableMigration } from './0001-events';
import { seatReservationsMigration } from './0002-seat-reservations';
import { eventImagesMigration } from './0003-event-images';

/** The events service's migrations, in order, applied to every events shard. Append; never reorder. */
export const eventsMigrations: readonly Migration[] = [
  shardIdentityMigration,
  eventsTableMigration,
  outboxMigration,
  inboxMigration,
  seatReservationsMigration,
  eventImagesMigration,
  outboxTraceContextMigration,
];
