import { Migration, shardIdentityMigration } from '@boxoffice/shared';
import { eventsTableMigration } from './0001-events';

/** The events service's migrations, in order, applied to every events shard. Append; never reorder. */
export const eventsMigrations: readonly Migration[] = [shardIdentityMigration, eventsTableMigration];
