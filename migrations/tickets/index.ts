import { Migration, shardIdentityMigration } from '@boxoffice/sharding';
import { inboxMigration, outboxMigration, outboxTraceContextMigration } from '@boxoffice/bus';
import { ordersAndTicketsMigration } from './0001-orders-and-tickets';
import { ordersTraceContextMigration } from './0002-orders-trace-context';

/** The tickets service's migrations, in order, applied to every tickets shard. Append; never reorder. */
export const ticketsMigrations: readonly Migration[] = [
  shardIdentityMigration,
  outboxMigration,
  inboxMigration,
  ordersAndTicketsMigration,
  outboxTraceContextMigration,
  ordersTraceContextMigration,
];
