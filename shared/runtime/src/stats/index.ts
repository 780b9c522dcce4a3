export { statsRoutes } from './stats-routes';
export { httpCounts, cacheCounts } from './registry-counts';
export { redact, hostOf, countShardQueries } from './shard-stats';
