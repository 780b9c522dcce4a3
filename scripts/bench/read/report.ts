import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { htmlTable } from '../../load/html-report';
import { fileTimestamp } from '../../load/result-files';
import { COLORS, barChart, escapeXml as esc, lineChart } from '../../load/svg-charts';
import { formatTable, num } from '../../load/text-table';
import type { BenchReadResult } from './result';
import type { TargetResult } from './rounds';

const cpu = (t: TargetResult) =>
  Object.entries(t.median.cpuMsPerRequest)
    .map(([name, ms]) => `${name} ${ms.toFixed(3)}`)
    .join(', ');

/** The targets as rows: name, req/s, p50, p99, CPU ms per request by process (medians over rounds). */
export function targetRows(targets: readonly TargetResult[]): string[][] {
  return targets.map((t) => [
    t.name,
    num(t.median.requestsPerSecond),
    num(t.median.p50Ms),
    num(t.median.p99Ms),
    cpu(t),
    String(t.failures),
  ]);
}
export const TARGET_HEADER = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/request', 'failed'];

export function shardRows(result: BenchReadResult): string[][] {
  return result.shardSteps.flatMap((s) =>
    (
      [
        ['cached', s.listing, s.listingVsBare],
        ['every shard', s.uncached, s.uncachedVsBare],
      ] as const
    ).map(([page, t, vsBare]) => [
      String(s.shards),
      page,
      num(t.median.requestsPerSecond),
      num(t.median.p50Ms),
      num(t.median.p99Ms),
      cpu(t),
      `${vsBare.toFixed(3)}×`,
    ]),
  );
}
export const SHARD_HEADER = [
  'shards',
  'page',
  'listing req/s',
  'p50 ms',
  'p99 ms',
  'CPU ms/request',
  'vs bare',
];

/** The plain-text summary printed at the end of a run. */
export function textSummary(result: BenchReadResult): string {
  const lines: string[] = [];
  if (result.targets.length > 0) lines.push(formatTable(TARGET_HEADER, targetRows(result.targets)));
  for (const r of result.ratios) {
    lines.push(
      `  ${r.name.padEnd(18)} ${r.value.toFixed(3)}×  (target ≥ ${r.target}×: ${r.met ? 'met' : 'NOT met'})`,
    );
  }
  if (result.shardSteps.length > 0) lines.push(formatTable(SHARD_HEADER, shardRows(result)));
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  lines.push(
    `  load average: ${load(result.loadAverage.start)} at start, ${load(result.loadAverage.end)} at end`,
  );
  return lines.join('\n');
}

/** Listing latency and throughput by shard count, as an SVG (docs/images/ keeps one). */
export function shardChart(result: BenchReadResult): string {
  const steps = result.shardSteps;
  return lineChart({
    title: 'GET /api/events?limit=20 through the gateway, by events shards',
    series: [
      {
        name: 'p50 ms, every shard',
        color: COLORS.red,
        points: steps.map((s) => [s.shards, s.uncached.median.p50Ms]),
      },
      {
        name: 'p99 ms, every shard',
        color: COLORS.orange,
        points: steps.map((s) => [s.shards, s.uncached.median.p99Ms]),
      },
      {
        name: 'p50 ms, cached page',
        color: COLORS.blue,
        points: steps.map((s) => [s.shards, s.listing.median.p50Ms]),
      },
    ],
    x: { label: 'events shards', ticks: steps.map((s) => [s.shards, String(s.shards)] as const) },
    y: { label: 'latency at 50 connections (ms)' },
  });
}

export function renderBenchReadHtml(result: BenchReadResult): string {
  const parts = [`<h1>bench:read, ${esc(result.startedAt)}</h1>`, `<pre>${esc(textSummary(result))}</pre>`];
  if (result.targets.length > 0) {
    parts.push(htmlTable(TARGET_HEADER, targetRows(result.targets)));
    parts.push(
      barChart({
        title: 'Requests per second (median of rounds)',
        bars: result.targets.map((t) => ({
          label: t.name,
          value: Math.round(t.median.requestsPerSecond),
          color: t.name === 'bare' ? COLORS.grey : COLORS.blue,
        })),
        y: { label: 'req/s at 50 connections' },
      }),
    );
  }
  if (result.shardSteps.length > 0) {
    parts.push(htmlTable(SHARD_HEADER, shardRows(result)), shardChart(result));
  }
  const style =
    'body{font:14px system-ui,sans-serif;max-width:780px;margin:2em auto;color:#0f172a}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #cbd5e1;padding:4px 8px;text-align:right}svg{max-width:100%;margin:1em 0}svg text{font-size:11px;fill:#334155}.grid{stroke:#e2e8f0}.axis{stroke:#64748b}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench:read</title><style>${style}</style></head><body>${parts.join('\n')}</body></html>\n`;
}

/** Writes <dir>/bench-read[-shards]-<timestamp>.json and .html (and .svg with --shards). */
export function writeBenchReadFiles(result: BenchReadResult, dir: string): string[] {
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  const base = join(
    outDir,
    `bench-read${result.shardSteps.length > 0 ? '-shards' : ''}-${fileTimestamp(result.startedAt)}`,
  );
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.html`, renderBenchReadHtml(result));
  const written = [`${base}.json`, `${base}.html`];
  if (result.shardSteps.length > 0) {
    writeFileSync(`${base}.svg`, `${shardChart(result)}\n`);
    written.push(`${base}.svg`);
  }
  return written;
}
