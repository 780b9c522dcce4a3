export { statsRoutes } from './stats-routes';
export {
  instanceStatsSchema,
  type InstanceStats,
  type HttpCounts,
  type CacheCounts,
  type BusCounts,
  type ShardStats,
  type TopicStats,
  type BusStats,
} from './stats-schema';
export { httpCounts, cacheCounts } from './registry-counts';
export { redact, hostOf, countShardQueries } from './shard-stats';
