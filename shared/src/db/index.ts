export { ShardDatabases, type ShardDatabasesOptions, type ShardResult } from './shard-databases';
export { isShardUnavailableError, shardUnavailable } from './shard-errors';
export { ensureDatabase, dropDatabase, listDatabases } from './database-admin';
export { migrateLatest, appliedMigrations, type Migration } from './migrations';
export { shardIdentityMigration, stampShardIdentity, assertShardIdentity } from './shard-identity';
