import { Histogram, build } from 'hdr-histogram-js';
import type { LatencySummary, OperationStats, PercentilePoint, TimelinePoint } from './load-result';

/** One finished request, as the client saw it. */
export interface Sample {
  /** What the request did, e.g. "event detail". */
  operation: string;
  /** HTTP status, or 0 when no response came (connection refused, reset, timeout). */
  status: number;
  /** Whether the status was one the scenario expects (409 sold_out is an answer, not an error). */
  ok: boolean;
  latencyMs: number;
  /** Milliseconds since the run started, when the response completed. */
  atMs: number;
  /** The shard the request was routed to ("events 9-f"), "events all" for scatter-gather. */
  shard?: string;
}

// Microseconds, 3 significant digits: 1 µs resolution up to 60 s with ~0.1% error.
const newHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

const ms = (micros: number) => Math.round(micros) / 1000;

function summarise(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/**
 * The percentiles of the classic HDR percentile plot: 0, 50, 75, 87.5 … out to 99.99, i.e.
 * evenly spaced on the "1 / (1 - p)" axis, where tails are visible.
 */
export function percentileLadder(maxNines = 4): number[] {
  const ladder = [0];
  for (let step = 1; step <= maxNines * 3; step++) {
    ladder.push(Math.round((1 - Math.pow(2, -step)) * 1e6) / 1e4);
  }
  return [...new Set([...ladder, 90, 99, 99.9, 100])].sort((a, b) => a - b);
}

/**
 * Everything measured during a run: one HDR histogram for all requests, one per operation and
 * one per second (for the latency-over-time chart), status counts, and requests per shard.
 */
export class RunRecorder {
  private readonly all = newHistogram();
  private readonly byOperation = new Map<string, { h: Histogram; errors: number }>();
  private readonly bySecond = new Map<number, { h: Histogram; errors: number }>();
  readonly statuses = new Map<string, number>();
  readonly errorsByStatus = new Map<string, number>();
  readonly shardRequests = new Map<string, number>();
  total = 0;
  errors = 0;

  record(sample: Sample): void {
    const micros = Math.max(1, Math.round(sample.latencyMs * 1000));
    const status = sample.status === 0 ? 'network' : String(sample.status);
    this.total++;
    this.all.recordValue(micros);
    const op = this.entry(this.byOperation, sample.operation);
    op.h.recordValue(micros);
    const second = this.entry(this.bySecond, Math.floor(sample.atMs / 1000));
    second.h.recordValue(micros);
    increment(this.statuses, status);
    if (!sample.ok) {
      this.errors++;
      op.errors++;
      second.errors++;
      increment(this.errorsByStatus, status);
    }
    if (sample.shard) increment(this.shardRequests, sample.shard);
  }

  private entry<K>(map: Map<K, { h: Histogram; errors: number }>, key: K) {
    let found = map.get(key);
    if (!found) {
      found = { h: newHistogram(), errors: 0 };
      map.set(key, found);
    }
    return found;
  }

  latency(): LatencySummary {
    return summarise(this.all);
  }

  operations(): Record<string, OperationStats> {
    const out: Record<string, OperationStats> = {};
    for (const [name, { h, errors }] of [...this.byOperation].sort((a, b) => a[0].localeCompare(b[0]))) {
      const s = summarise(h);
      out[name] = { requests: h.totalCount, errors, p50: s.p50, p99: s.p99 };
    }
    return out;
  }

  /** One point per second from 0 to the last second with a completion; empty seconds count 0. */
  timeline(): TimelinePoint[] {
    if (this.bySecond.size === 0) return [];
    const last = Math.max(...this.bySecond.keys());
    const points: TimelinePoint[] = [];
    for (let second = 0; second <= last; second++) {
      const entry = this.bySecond.get(second);
      const s = entry ? summarise(entry.h) : undefined;
      points.push({
        second,
        requests: entry?.h.totalCount ?? 0,
        errors: entry?.errors ?? 0,
        p50: s?.p50 ?? 0,
        p99: s?.p99 ?? 0,
      });
    }
    return points;
  }

  percentiles(): PercentilePoint[] {
    if (this.all.totalCount === 0) return [];
    // All points from getValueAtPercentile (bucket upper ends), so the curve never dips at the end.
    return percentileLadder().map((percentile) => ({
      percentile,
      latencyMs: ms(this.all.getValueAtPercentile(percentile)),
    }));
  }
}

function increment<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export function toRecord(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort((a, b) => a[0].localeCompare(b[0])));
}
