import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { htmlTable } from '../load/html-report';
import { fileTimestamp } from '../load/result-files';
import { COLORS, barChart, escapeXml as esc, lineChart } from '../load/svg-charts';
import { fig } from './wording';
import type { Cell, ExperimentOutcome, LabReport } from './experiment';

const cellText = (c: Cell) => (typeof c === 'number' ? fig(c) : c);
const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');
/** One colour per bar, in order: the "before" side first. */
const PALETTE = [COLORS.grey, COLORS.blue, COLORS.orange, COLORS.red, COLORS.amber];

function experimentSection(e: ExperimentOutcome): string {
  const head = [
    `<section id="${esc(e.name)}">`,
    `<h2>${esc(e.name)} <small>${esc(e.idea)}</small></h2>`,
    `<p class="meta">${esc(`npm run lab -- ${e.name} · implemented in ${e.implementedIn} · ${e.seconds.toFixed(0)} s · load average ${load(e.loadAverage.start)} before, ${load(e.loadAverage.end)} after`)}</p>`,
    `<p><strong>Question.</strong> ${esc(e.question)}</p>`,
  ];
  if (e.status === 'failed' || !e.figures) {
    // Still a chart of its own, empty, so every experiment has one place for its figure.
    return [
      ...head,
      `<p class="failed"><strong>Failed:</strong> ${esc(e.error ?? 'no figures')}</p>`,
      `<figure>${barChart({ title: `${e.name}: no figures (failed)`, bars: [], y: { label: '' } })}</figure>`,
      '</section>',
    ].join('\n');
  }
  const f = e.figures;
  return [
    ...head,
    `<p><strong>Setup.</strong> ${esc(f.setup)}</p>`,
    htmlTable(
      f.table.columns,
      f.table.rows.map((r) => r.map(cellText)),
    ),
    `<figure>${barChart({
      title: f.chart.title,
      bars: f.chart.bars.map((b, i) => ({
        label: b.label,
        value: b.value,
        color: PALETTE[i % PALETTE.length]!,
        caption: `${fig(b.value)} ${f.chart.unit}`,
      })),
      y: { label: f.chart.unit },
    })}</figure>`,
    ...(f.lines
      ? [
          `<figure>${lineChart({
            title: f.lines.title,
            series: f.lines.series.map((s, i) => ({ ...s, color: PALETTE[(i % 2) + 1]! })),
            x: { label: f.lines.xLabel, ticks: f.lines.xTicks.map((x) => [x, String(x)] as const) },
            y: { label: f.lines.unit },
          })}</figure>`,
        ]
      : []),
    `<p><strong>What the numbers mean.</strong> ${esc(f.paragraph)}</p>`,
    '</section>',
  ].join('\n');
}

/** The lab's report: one self-contained page, tables and inline SVG, no script, no external file. */
export function renderLabHtml(report: LabReport): string {
  const m = report.machine;
  const index = report.experiments
    .map(
      (e) =>
        `<li><a href="#${esc(e.name)}">${esc(e.name)}</a> — ${esc(e.idea)}${e.status === 'failed' ? ' (failed)' : ''}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Boxoffice lab — ${esc(report.startedAt)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:980px;padding:0 1rem;color:#0f172a}
h2{margin-top:2.5rem;border-top:1px solid #e2e8f0;padding-top:1rem}
h2 small{color:${COLORS.grey};font-weight:normal;font-size:.7em;display:block}
.meta{color:${COLORS.grey};font-size:13px}
.failed{color:${COLORS.red}}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #cbd5e1;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
figure{margin:0;border:1px solid #e2e8f0;padding:.5rem}
svg{width:100%;height:auto}
svg .label{font-size:12px;fill:#334155}
</style></head><body>
<h1>Boxoffice lab</h1>
<p>${esc(`${report.startedAt} → ${report.finishedAt} · ${m.cpus} cores · Node ${m.node} · load average ${load(m.loadAverage.start)} at start, ${load(m.loadAverage.end)} at end · ${report.settings.quick ? 'quick sizes (a first look, not figures to quote)' : 'standard sizes'} · ${report.settings.rounds} alternating round(s) per experiment`)}</p>
<p>Each experiment ran on private stacks started for it. Ratios are medians over alternating rounds (A B, then B A) of one run: the median of each round's ratio, which can differ from the ratio of the two medians shown beside it; the load average (1, 5 and 15 minutes) above the core count means other work shared the machine.</p>
<ul>${index}</ul>
${report.experiments.map(experimentSection).join('\n')}
</body></html>
`;
}

/** Writes <dir>/lab-<timestamp>.json and .html; returns both paths. */
export function writeLabReport(report: LabReport, dir: string): { json: string; html: string } {
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `lab-${fileTimestamp(report.startedAt)}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.html`, renderLabHtml(report));
  return { json: `${base}.json`, html: `${base}.html` };
}
