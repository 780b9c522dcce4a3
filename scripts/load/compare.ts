import { LoadResult, RESULT_VERSION } from './load-result';
import { levelHitRatio, overallHitRatio } from './cache-metrics';
import { formatTable, num, percent } from './text-table';

export interface ComparisonRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** b / a; null when either side is missing or a is 0. */
  ratio: number | null;
  unit: string;
}

/** The figures two runs are compared on, with b / a ratios. */
export function compareResults(a: LoadResult, b: LoadResult): ComparisonRow[] {
  const row = (metric: string, unit: string, get: (r: LoadResult) => number | null): ComparisonRow => {
    const va = get(a);
    const vb = get(b);
    return { metric, unit, a: va, b: vb, ratio: va === null || vb === null || va === 0 ? null : vb / va };
  };
  return [
    row('throughput', 'req/s', (r) => r.requests.throughput),
    row('latency p50', 'ms', (r) => r.latencyMs.p50),
    row('latency p90', 'ms', (r) => r.latencyMs.p90),
    row('latency p99', 'ms', (r) => r.latencyMs.p99),
    row('latency max', 'ms', (r) => r.latencyMs.max),
    row('requests', '', (r) => r.requests.total),
    row('errors', '', (r) => r.requests.errors),
    row('cache hit ratio', '', (r) => overallHitRatio(r.cache)),
    row('l1 hit ratio', '', (r) => levelHitRatio(r.cache, 'l1')),
    row('l2 hit ratio', '', (r) => levelHitRatio(r.cache, 'l2')),
  ];
}

/** Refuses anything that is not a result file of this version. */
export function assertLoadResult(value: unknown, source: string): LoadResult {
  const v = value as Partial<LoadResult> | null;
  if (!v || typeof v !== 'object' || v.version !== RESULT_VERSION || !v.requests || !v.latencyMs) {
    throw new Error(`${source} is not a result file of npm run load (version ${RESULT_VERSION})`);
  }
  return v as LoadResult;
}

const describe = (r: LoadResult) => `${r.scenario} [${r.label}] ${r.startedAt.slice(0, 19)}`;

/** Two runs side by side: a, b, and b / a. */
export function renderComparison(a: LoadResult, b: LoadResult): string {
  const rows = compareResults(a, b).map((c) => {
    const show = (v: number | null) =>
      v === null
        ? '—'
        : c.metric.endsWith('hit ratio')
          ? percent(v)
          : `${num(v)}${c.unit ? ` ${c.unit}` : ''}`;
    return [c.metric, show(c.a), show(c.b), c.ratio === null ? '—' : `×${c.ratio.toFixed(2)}`];
  });
  return [
    `a: ${describe(a)} → ${a.target}`,
    `b: ${describe(b)} → ${b.target}`,
    '',
    formatTable(['', `a (${a.label})`, `b (${b.label})`, 'b / a'], rows),
  ].join('\n');
}
