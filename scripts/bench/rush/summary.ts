import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileTimestamp } from '../../load/result-files';
import { COLORS, barChart } from '../../load/svg-charts';

/** One round of a `bench:rush` command, as its summary line and chart show it. */
export interface RushSummaryRound {
  label: string;
  confirmedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  oversold: number;
  invariantViolations: number;
  /** CPU ms per confirmed order, by process ("postgres" is the whole cluster). */
  cpuPerOrderMs: Record<string, number>;
  /** confirmed/s ÷ the monolith's, when the command ran it. */
  vsMonolith: number | null;
}

/** What `bench:rush` writes to results/rush-summary-<timestamp>.json, beside each round's report. */
export interface RushSummary {
  kind: 'bench-rush';
  startedAt: string;
  options: {
    buyers: number;
    seats: number;
    warmupSeats: number;
    instances: number[];
    baseline: string | null;
  };
  loadAverage: { start: number[]; end: number[] };
  rounds: RushSummaryRound[];
}

/** Confirmed orders/s per round (Boxoffice at each instance count, the monolith in grey). */
export function rushSummaryChart(summary: RushSummary): string {
  return barChart({
    title: `bench:rush: ${summary.options.buyers} buyers, ${summary.options.seats} seats of one event`,
    bars: summary.rounds.map((r) => ({
      label: r.label,
      value: Math.round(r.confirmedPerSecond),
      color: r.label === 'monolith' ? COLORS.grey : COLORS.blue,
      caption: `${Math.round(r.confirmedPerSecond)}/s${r.vsMonolith === null ? '' : ` (${r.vsMonolith.toFixed(2)}×)`}, p99 ${Math.round(r.p99Ms)} ms`,
    })),
    y: { label: 'confirmed orders per second' },
  });
}

/** Writes <dir>/rush-summary-<timestamp>.json and .svg; returns both paths. */
export function writeRushSummary(summary: RushSummary, dir: string): string[] {
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `rush-summary-${fileTimestamp(summary.startedAt)}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(`${base}.svg`, `${rushSummaryChart(summary)}\n`);
  return [`${base}.json`, `${base}.svg`];
}
