import { Migration, shardIdentityMigration } from '@boxoffice/shared';

/** The tickets service's migrations, in order, applied to every tickets shard. Append; never reorder. */
export const ticketsMigrations: readonly Migration[] = [shardIdentityMigration];
