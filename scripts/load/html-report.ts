import { CACHE_COLUMNS, cacheRatiosLine, cacheRows } from './cache-metrics';
import type { LoadResult } from './load-result';
import { Bar, COLORS, barChart, escapeXml as esc, lineChart } from './svg-charts';
import { num } from './text-table';

/** An HTML table of text cells, every cell escaped (the load, bench:read and lab reports). */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

/** x of the percentile plot: 0 at p0, 1 at p90, 2 at p99, 3 at p99.9 … */
const nines = (p: number) => Math.log10(1 / (1 - Math.min(p, 99.99) / 100));

function charts(r: LoadResult): string[] {
  const out = [
    lineChart({
      title: 'Latency over time',
      series: [
        { name: 'p50', color: COLORS.blue, points: r.timeline.map((t) => [t.second, t.p50]) },
        { name: 'p99', color: COLORS.red, points: r.timeline.map((t) => [t.second, t.p99]) },
      ],
      x: { label: 'second of the run' },
      y: { label: 'latency (ms)' },
    }),
    lineChart({
      title: 'Throughput over time',
      series: [
        { name: 'requests/s', color: COLORS.blue, points: r.timeline.map((t) => [t.second, t.requests]) },
        { name: 'errors/s', color: COLORS.red, points: r.timeline.map((t) => [t.second, t.errors]) },
      ],
      x: { label: 'second of the run' },
      y: { label: 'per second' },
    }),
    lineChart({
      title: 'Latency by percentile',
      series: [
        {
          name: 'latency',
          color: COLORS.blue,
          points: r.percentiles
            .filter((p) => p.percentile < 100)
            .map((p) => [nines(p.percentile), p.latencyMs]),
        },
      ],
      x: {
        label: 'percentile',
        ticks: [
          [0, '0%'],
          [1, '90%'],
          [2, '99%'],
          [3, '99.9%'],
          [4, '99.99%'],
        ],
      },
      y: { label: 'latency (ms)' },
    }),
  ];
  const single = r.shards.filter((s) => s.shard !== 'all');
  if (single.length > 0) {
    // The talk layout's big shard (9-f holds 7/16 of the keys) stands out in the shard charts.
    const colour = (shard: string) => (shard === '9-f' ? COLORS.amber : COLORS.grey);
    const requestBars: Bar[] = single.map((s) => ({
      label: `${s.service} ${s.shard}`,
      value: s.requests,
      color: colour(s.shard),
    }));
    out.push(
      barChart({
        title: 'Requests per shard',
        bars: requestBars,
        y: { label: 'requests routed to one shard' },
      }),
    );
    if (single.every((s) => s.rows)) {
      const rowBars: Bar[] = single.map((s) => {
        const rows = Object.values(s.rows!).reduce((n, t) => n + t.after, 0);
        const added = Object.values(s.rows!).reduce((n, t) => n + t.after - t.before, 0);
        return {
          label: `${s.service} ${s.shard}`,
          value: rows,
          color: colour(s.shard),
          caption: `${rows} (+${added})`,
        };
      });
      out.push(
        barChart({
          title: 'Rows per shard after the run',
          bars: rowBars,
          y: { label: 'rows (all counted tables)' },
        }),
      );
    }
  }
  return out;
}

/** The self-contained HTML report of one run: tables and inline SVG charts, no scripts. */
export function renderHtmlReport(r: LoadResult): string {
  const title = `${r.scenario} [${r.label}] — ${r.startedAt}`;
  const bound =
    r.options.durationSeconds !== undefined
      ? `${r.options.durationSeconds} s`
      : `${r.options.requests} requests`;
  const sections: string[] = [
    `<h1>Boxoffice load test: ${esc(r.scenario)} <small>[${esc(r.label)}]</small></h1>`,
    `<p>${esc(`${r.target} · ${r.options.connections} connections · ${bound} (ran ${r.elapsedSeconds} s) · seed ${r.options.seed} · ${r.startedAt}`)}<br>${esc(
      `${r.machine.cpus} cpus, Node ${r.machine.node}, load average ${r.machine.loadAverageBefore.join(' / ')} before, ${r.machine.loadAverageAfter.join(' / ')} after`,
    )}</p>`,
    htmlTable(
      ['throughput', 'requests', 'errors', 'p50', 'p90', 'p99', 'max'],
      [
        [
          `${num(r.requests.throughput)} req/s`,
          String(r.requests.total),
          String(r.requests.errors),
          `${num(r.latencyMs.p50)} ms`,
          `${num(r.latencyMs.p90)} ms`,
          `${num(r.latencyMs.p99)} ms`,
          `${num(r.latencyMs.max)} ms`,
        ],
      ],
    ),
    `<div class="charts">${charts(r)
      .map((c) => `<figure>${c}</figure>`)
      .join('')}</div>`,
    '<h2>Operations</h2>',
    htmlTable(
      ['operation', 'requests', 'errors', 'p50 ms', 'p99 ms'],
      Object.entries(r.operations).map(([n, o]) => [
        n,
        String(o.requests),
        String(o.errors),
        num(o.p50),
        num(o.p99),
      ]),
    ),
    '<h2>Statuses</h2>',
    htmlTable(
      ['status', 'count', 'unexpected'],
      Object.entries(r.statuses).map(([s, n]) => [s, String(n), String(r.errorsByStatus[s] ?? 0)]),
    ),
  ];
  if (r.shards.length > 0) {
    sections.push(
      '<h2>Shards</h2>',
      htmlTable(
        ['shard', 'range', 'requests', 'rows before → after'],
        r.shards.map((s) => [
          `${s.service} ${s.shard}`,
          s.range || 'scatter-gather',
          String(s.requests),
          s.rows
            ? Object.entries(s.rows)
                .map(([t, v]) => `${t} ${v.before} → ${v.after}`)
                .join(', ')
            : '',
        ]),
      ),
    );
  }
  if (r.cache) {
    sections.push(
      '<h2>Cache (delta of cache_requests_total over the run)</h2>',
      htmlTable(['entity', ...CACHE_COLUMNS], cacheRows(r.cache)),
      `<p>${esc(cacheRatiosLine(r.cache))}</p>`,
    );
  }
  if (r.invariants) {
    const verdict = !r.invariants.checked
      ? `not checked: ${r.invariants.note ?? ''}`
      : r.invariants.violations.length === 0
        ? 'all hold'
        : `${r.invariants.violations.length} violated`;
    sections.push('<h2>Invariants</h2>', `<p>${esc(verdict)}</p>`);
    if (r.invariants.violations.length > 0)
      sections.push(`<ul>${r.invariants.violations.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`);
  }
  if (r.notes.length > 0)
    sections.push('<h2>Notes</h2>', `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1500px;padding:0 1rem;color:#0f172a}
h1 small{color:${COLORS.grey};font-weight:normal}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #cbd5e1;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:1rem}
figure{margin:0;border:1px solid #e2e8f0;padding:.5rem}
svg{width:100%;height:auto;font-size:11px}
svg .grid{stroke:#e2e8f0}
svg .axis{stroke:#334155}
svg .label{font-size:12px;fill:#334155}
</style></head><body>
${sections.join('\n')}
</body></html>
`;
}
