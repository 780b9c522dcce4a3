/**
 * The JSON a run writes to results/<scenario>-<timestamp>.json. Versioned so `load:compare` can
 * refuse files it does not understand. Latencies are milliseconds.
 */
export const RESULT_VERSION = 1;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** One second of the run, by completion time. */
export interface TimelinePoint {
  second: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
}

export interface PercentilePoint {
  percentile: number;
  latencyMs: number;
}

export interface OperationStats {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
}

/** Requests routed to one shard during the run, and its rows before and after. */
export interface ShardStats {
  service: string;
  /** "0-2" … "9-f", or "all" for scatter-gather requests that asked every shard. */
  shard: string;
  /** Bucket range, e.g. "90-ff"; empty for "all". */
  range: string;
  requests: number;
  /** Rows per table before and after the run; absent when the databases could not be read. */
  rows?: Record<string, { before: number; after: number }>;
}

/** l1: the service process's memory; l2: the service's Redis. */
export type CacheLevelName = 'l1' | 'l2';

export interface CacheStats {
  entity: string;
  /** Absent in files written before the in-process cache: those are all l2. */
  level?: CacheLevelName;
  hit: number;
  miss: number;
  negativeHit: number;
  /** Redis held an older version than the process had seen (reloaded); absent in older files. */
  stale?: number;
  error: number;
  bypass: number;
  /** (hit + negativeHit) / lookups; null when there were no lookups. */
  hitRatio: number | null;
}

export interface InvariantOutcome {
  /** False when the check could not run (say why in `note`). */
  checked: boolean;
  violations: string[];
  note?: string;
}

export interface LoadResult {
  version: typeof RESULT_VERSION;
  scenario: string;
  /** e.g. "gateway", "direct", "cache-on", "cache-off". */
  label: string;
  startedAt: string;
  target: string;
  options: { connections: number; seed: number; durationSeconds?: number; requests?: number };
  machine: { cpus: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  elapsedSeconds: number;
  requests: { total: number; ok: number; errors: number; throughput: number };
  latencyMs: LatencySummary;
  /** Every status seen ("network" for a failed connection), and the unexpected ones. */
  statuses: Record<string, number>;
  errorsByStatus: Record<string, number>;
  operations: Record<string, OperationStats>;
  shards: ShardStats[];
  /** Delta of cache_requests_total over the run, per entity; null when /metrics was unreachable. */
  cache: CacheStats[] | null;
  invariants: InvariantOutcome | null;
  timeline: TimelinePoint[];
  percentiles: PercentilePoint[];
  /** Scenario-specific facts (e.g. rush: seats sold vs capacity) and anything the reader should know. */
  notes: string[];
}
