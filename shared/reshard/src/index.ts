export {
  ControlStore,
  withPublishedMaps,
  controlDatabaseUrl,
  SHARD_MAP_CHANNEL,
  type JobRow,
  type PublishedMap,
  type StoredShard,
} from './control-store';
export { ShardMapWatcher, type ShardMapWatcherOptions } from './map-watcher';
export { type ReshardTable, pendingChanges } from './capture';
export {
  Resharder,
  ReshardError,
  PHASES,
  type Phase,
  type ReshardJob,
  type ResharderOptions,
} from './resharder';
export { verifyRange, type VerifyReport, type RowDifference } from './verify';
export { parseReshardArgs, ReshardUsageError, RESHARD_USAGE, type ReshardCommand } from './reshard-args';
