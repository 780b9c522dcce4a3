import { Migration, shardIdentityMigration } from '@boxoffice/sharding';
import { usersAndEmailIndexMigration } from './0001-users-and-email-index';

/** The users service's migrations, in order, applied to every users shard. Append; never reorder. */
export const usersMigrations: readonly Migration[] = [shardIdentityMigration, usersAndEmailIndexMigration];
