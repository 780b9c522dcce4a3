import { Migration, shardIdentityMigration } from '@boxoffice/shared';

/** The users service's migrations, in order, applied to every users shard. Append; never reorder. */
export const usersMigrations: readonly Migration[] = [shardIdentityMigration];
