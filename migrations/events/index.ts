import { Migration, shardIdentityMigration } from '@boxoffice/shared';

/** The events service's migrations, in order, applied to every events shard. Append; never reorder. */
export const eventsMigrations: readonly Migration[] = [shardIdentityMigration];
