export {
  ShardDatabases,
  PROBE_SQL_MARK,
  type ShardDatabasesOptions,
  type ShardResult,
} from './shard-databases';
export {
  isShardUnavailableError,
  isShardMapChangedError,
  FENCED_SQLSTATE,
  fencedVersion,
} from './shard-errors';
export { ensureDatabase, dropDatabase, listDatabases } from './database-admin';
export { migrateLatest, appliedMigrations, type Migration } from './migrations';
export { shardIdentityMigration, stampShardIdentity, assertShardIdentity } from './shard-identity';
export {
  SHARD_POSITIONS_HEADER,
  MAX_POSITIONS,
  MAX_POSITIONS_TEXT,
  parseLsn,
  formatLsn,
  parsePositions,
  formatPositions,
  mergePositions,
  shardKey,
  type ShardPositions,
} from './replica-positions';
export {
  chooseReadTarget,
  replicaLag,
  type ReadDecision,
  type ReadReason,
  type ReplicaView,
  type PrimarySample,
} from './replica-routing';
export {
  ReplicaPoller,
  type PolledServer,
  type ReplicaState,
  type ReplicaPollerOptions,
} from './replica-poller';
export { ReplicaSet } from './replica-set';
export { currentReadContext, runWithReadContext, runForCacheFill, type ReadContext } from './read-context';
export { shardPositions } from './replica-http';
export { queryPrepared, type KnexConnections } from './prepared-query';
export { isoFromTimestamptz, timestamptzAsIsoText } from './timestamptz-text';
export { shardDatabaseName, withDatabase, databaseOf } from './database-names';
