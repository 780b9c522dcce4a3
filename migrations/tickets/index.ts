import { Migration, inboxMigration, outboxMigration, shardIdentityMigration } from '@boxoffice/shared';
import { ordersAndTicketsMigration } from './0001-orders-and-tickets';

/** The tickets service's migrations, in order, applied to every tickets shard. Append; never reorder. */
export const ticketsMigrations: readonly Migration[] = [
  shardIdentityMigration,
  outboxMigration,
  inboxMigration,
  ordersAndTicketsMigration,
];
