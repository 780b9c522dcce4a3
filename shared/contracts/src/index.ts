export * from './purchase-messages';
export * from './http';
export {
  instanceStatsSchema,
  statsQuerySchema,
  type InstanceStats,
  type HttpCounts,
  type CacheCounts,
  type ShardStats,
} from './http/stats-schema';
