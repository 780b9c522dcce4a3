import { CACHE_COLUMNS, cacheRatiosLine, cacheRows } from './cache-metrics';
import type { LoadResult } from './load-result';
import { formatTable, num, percent } from './text-table';

function statusList(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([s, n]) => `${s}: ${n}`).join(', ');
}

/** The end-of-run table the terminal shows (the same figures as the JSON). */
export function renderSummary(r: LoadResult): string {
  const bound =
    r.options.durationSeconds !== undefined
      ? `${r.options.durationSeconds} s`
      : `${r.options.requests} requests`;
  const out: string[] = [
    `${r.scenario} [${r.label}] → ${r.target} · ${r.options.connections} connections · ${bound} (ran ${r.elapsedSeconds} s) · seed ${r.options.seed}`,
    `machine: ${r.machine.cpus} cpus, load average ${r.machine.loadAverageBefore[0]} before → ${r.machine.loadAverageAfter[0]} after`,
    '',
    ...(
      [
        ['throughput', `${num(r.requests.throughput)} req/s`],
        ['requests', `${r.requests.total} (${r.requests.errors} errors)`],
        [
          'latency',
          `p50 ${num(r.latencyMs.p50)} ms · p90 ${num(r.latencyMs.p90)} ms · p99 ${num(r.latencyMs.p99)} ms · max ${num(r.latencyMs.max)} ms`,
        ],
        ['statuses', statusList(r.statuses)],
        ['errors by status', statusList(r.errorsByStatus)],
      ] as const
    ).map(([key, value]) => `  ${key.padEnd(18)}${value}`),
    '',
    formatTable(
      ['operation', 'requests', 'errors', 'p50 ms', 'p99 ms'],
      Object.entries(r.operations).map(([name, o]) => [
        name,
        String(o.requests),
        String(o.errors),
        num(o.p50),
        num(o.p99),
      ]),
    ),
  ];
  if (r.shards.length > 0) {
    const single = (service: string) =>
      r.shards.filter((s) => s.service === service && s.shard !== 'all').reduce((n, s) => n + s.requests, 0);
    out.push(
      '',
      formatTable(
        ['shard', 'range', 'requests', 'share', 'rows before → after'],
        r.shards.map((s) => [
          `${s.service} ${s.shard}`,
          s.range,
          String(s.requests),
          s.shard === 'all'
            ? 'scatter'
            : percent(single(s.service) === 0 ? null : s.requests / single(s.service)),
          s.rows
            ? Object.entries(s.rows)
                .map(([t, v]) => `${t} ${v.before} → ${v.after}`)
                .join(', ')
            : s.shard === 'all'
              ? ''
              : 'unknown',
        ]),
      ),
    );
  }
  if (r.cache) {
    out.push(
      '',
      r.cache.length === 0
        ? '  cache: no lookups during the run'
        : `${formatTable(['cache (delta)', ...CACHE_COLUMNS], cacheRows(r.cache))}\n  ${cacheRatiosLine(r.cache)}`,
    );
  }
  if (r.invariants) {
    out.push(
      '',
      r.invariants.checked
        ? r.invariants.violations.length === 0
          ? `  invariants: all hold (${r.invariants.note ?? ''})`
          : `  invariants: ${r.invariants.violations.length} VIOLATED\n${r.invariants.violations.map((v) => `    ${v}`).join('\n')}`
        : `  invariants: not checked (${r.invariants.note})`,
    );
  }
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `  note: ${n}`));
  return out.join('\n');
}
