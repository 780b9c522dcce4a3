export * from './purchase-messages';
export * from './http';
export {
  instanceStatsSchema,
  reshardStatsSchema,
  statsQuerySchema,
  type InstanceStats,
  type ReshardStats,
  type HttpCounts,
  type CacheCounts,
  type ShardStats,
} from './http/stats-schema';
