import type { TargetResult } from './rounds';

/** A ratio with the target it is held to, as measured. */
export interface RatioResult {
  name: string;
  value: number;
  target: number;
  met: boolean;
}

/** The listing at one shard count (`--shards`): the cached page and one that asks every shard. */
export interface ShardStep {
  shards: number;
  listing: TargetResult;
  uncached: TargetResult;
  bare: TargetResult;
  listingVsBare: number;
  uncachedVsBare: number;
}

/** What `npm run bench:read` writes to results/bench-read-<timestamp>.json. */
export interface BenchReadResult {
  kind: 'bench-read';
  startedAt: string;
  finishedAt: string;
  options: {
    rounds: number;
    seconds: number;
    connections: number;
    events: number;
    shards: number[];
    only: string[];
  };
  /** os.loadavg() at the start and the end of the run. */
  loadAverage: { start: number[]; end: number[] };
  /** The four targets (without --shards). */
  targets: TargetResult[];
  ratios: RatioResult[];
  /** The listing, cached and not, per shard count (with --shards). */
  shardSteps: ShardStep[];
}

/** Throws unless `raw` has the shape of a BenchReadResult (what the test and readers rely on). */
export function assertBenchReadResult(raw: unknown): asserts raw is BenchReadResult {
  const r = raw as Partial<BenchReadResult>;
  const problems: string[] = [];
  if (r?.kind !== 'bench-read') problems.push('kind is not bench-read');
  if (!Array.isArray(r?.targets)) problems.push('targets is not a list');
  if (!Array.isArray(r?.ratios)) problems.push('ratios is not a list');
  if (!Array.isArray(r?.shardSteps)) problems.push('shardSteps is not a list');
  if (!Array.isArray(r?.loadAverage?.start)) problems.push('loadAverage.start is missing');
  for (const t of r?.targets ?? []) {
    if (typeof t.median?.requestsPerSecond !== 'number') problems.push(`${t.name}: no median req/s`);
    if (!Array.isArray(t.rounds) || t.rounds.length !== r.options?.rounds)
      problems.push(`${t.name}: not one measurement per round`);
  }
  if (problems.length > 0) throw new Error(`not a bench:read result: ${problems.join('; ')}`);
}
