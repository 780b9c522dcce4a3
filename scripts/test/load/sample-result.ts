import type { LoadResult } from '../../load/load-result';

/** A plausible result of a short browse run, for the pure report and compare tests. */
export function sampleResult(overrides: Partial<LoadResult> = {}): LoadResult {
  return {
    version: 1,
    scenario: 'browse',
    label: 'gateway',
    startedAt: '2026-11-22T02:15:42.123Z',
    target: 'http://127.0.0.1:8080',
    options: { connections: 50, seed: 1, durationSeconds: 10 },
    machine: {
      cpus: 2,
      node: 'v20.19.0',
      loadAverageBefore: [1.5, 1.2, 1],
      loadAverageAfter: [2.5, 1.4, 1.1],
    },
    elapsedSeconds: 10.02,
    requests: { total: 10_000, ok: 9_990, errors: 10, throughput: 998 },
    latencyMs: { p50: 20, p90: 35, p99: 60, max: 150, mean: 22 },
    statuses: { '200': 9_990, '503': 10 },
    errorsByStatus: { '503': 10 },
    operations: { 'event detail': { requests: 7_500, errors: 10, p50: 18, p99: 55 } },
    shards: [
      {
        service: 'events',
        shard: '0-2',
        range: '00-2f',
        requests: 1_400,
        rows: { events: { before: 10, after: 10 } },
      },
      {
        service: 'events',
        shard: '3-5',
        range: '30-5f',
        requests: 1_400,
        rows: { events: { before: 10, after: 10 } },
      },
      {
        service: 'events',
        shard: '6-8',
        range: '60-8f',
        requests: 1_400,
        rows: { events: { before: 10, after: 10 } },
      },
      {
        service: 'events',
        shard: '9-f',
        range: '90-ff',
        requests: 3_300,
        rows: { events: { before: 20, after: 20 } },
      },
      { service: 'events', shard: 'all', range: '', requests: 2_500 },
    ],
    cache: [
      {
        entity: 'event',
        level: 'l2',
        hit: 7_400,
        miss: 100,
        negativeHit: 0,
        stale: 0,
        error: 0,
        bypass: 0,
        hitRatio: 0.9867,
      },
    ],
    invariants: null,
    timeline: [
      { second: 0, requests: 1_000, errors: 0, p50: 19, p99: 50 },
      { second: 1, requests: 990, errors: 10, p50: 21, p99: 70 },
    ],
    percentiles: [
      { percentile: 0, latencyMs: 2 },
      { percentile: 50, latencyMs: 20 },
      { percentile: 99, latencyMs: 60 },
      { percentile: 99.9, latencyMs: 120 },
      { percentile: 100, latencyMs: 150 },
    ],
    notes: [],
    ...overrides,
  };
}
