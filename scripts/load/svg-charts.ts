/**
 * Small inline SVG charts for the HTML report: no script, no external file, so the report opens
 * from disk in any browser. Every label goes through `escapeXml`.
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The reports' colours, one set for every chart (load, bench:read, bench:rush). */
export const COLORS = {
  blue: '#2563eb',
  red: '#dc2626',
  grey: '#64748b',
  orange: '#ea580c',
  amber: '#d97706',
} as const;

export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  /** Draw each point as a dot instead of joining them (measured points beside a model's line). */
  dots?: boolean;
}

export interface Axis {
  label: string;
  /** Tick positions (in data units) and their labels; default: 5 even ticks. */
  ticks?: readonly (readonly [number, string])[];
}

const W = 720;
const H = 280;
// right: room for the last x label ("99.99%") to end inside the picture; top: the title's row,
// then the legend's.
const PAD = { left: 64, right: 28, top: 44, bottom: 44 };
const LEGEND_Y = 22;
/** About how wide a legend entry's text is at the charts' 11 px (no text metrics in a string). */
const legendWidth = (name: string) => 12 + 4 + Math.ceil(name.length * 6.2) + 18;

/** A "nice" upper bound for an axis: 1, 2 or 5 × a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(max)));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const fmt = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

function evenTicks(max: number): [number, string][] {
  return [0, 1, 2, 3, 4, 5].map((i) => [(max * i) / 5, fmt((max * i) / 5)]);
}

/** A line chart of one or more series over a shared x axis. */
export function lineChart(options: { title: string; series: readonly Series[]; x: Axis; y: Axis }): string {
  const all = options.series.flatMap((s) => s.points);
  const xMax = options.x.ticks
    ? Math.max(...options.x.ticks.map((t) => t[0]))
    : niceCeiling(Math.max(1, ...all.map((p) => p[0])));
  const yMax = options.y.ticks
    ? Math.max(...options.y.ticks.map((t) => t[0]))
    : niceCeiling(Math.max(0, ...all.map((p) => p[1])));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + (xMax === 0 ? 0 : (x / xMax) * plotW);
  const sy = (y: number) => PAD.top + plotH - (yMax === 0 ? 0 : (Math.min(y, yMax) / yMax) * plotH);
  const parts: string[] = [];
  for (const [y, label] of options.y.ticks ?? evenTicks(yMax)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${escapeXml(label)}</text>`,
    );
  }
  for (const [x, label] of options.x.ticks ?? evenTicks(xMax)) {
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  }
  for (const s of options.series) {
    if (s.points.length === 0) continue;
    if (s.dots) {
      for (const p of s.points) {
        parts.push(
          `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="5" fill="${s.color}"><title>${escapeXml(`${s.name}: ${fmt(p[1])}`)}</title></circle>`,
        );
      }
      continue;
    }
    const d = s.points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${escapeXml(s.name)}</title></path>`,
    );
  }
  let legendX = PAD.left;
  const legend = options.series
    .map((s) => {
      const x = legendX;
      legendX += legendWidth(s.name);
      return `<rect x="${x}" y="${LEGEND_Y}" width="12" height="12" fill="${s.color}"/><text x="${x + 16}" y="${LEGEND_Y + 10}">${escapeXml(s.name)}</text>`;
    })
    .join('');
  return svg(options.title, [
    ...parts,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" class="axis"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" class="axis"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle" class="label">${escapeXml(options.x.label)}</text>`,
    `<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" class="label" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${escapeXml(options.y.label)}</text>`,
    legend,
  ]);
}

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Shown above the bar; default the value. */
  caption?: string;
}

/** A vertical bar chart (requests or rows per shard). */
export function barChart(options: { title: string; bars: readonly Bar[]; y: Axis }): string {
  const yMax = niceCeiling(Math.max(0, ...options.bars.map((b) => b.value)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, options.bars.length);
  const sy = (y: number) => PAD.top + plotH - (y / yMax) * plotH;
  const parts: string[] = [];
  for (const [y, label] of evenTicks(yMax)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${escapeXml(label)}</text>`,
    );
  }
  options.bars.forEach((b, i) => {
    const x = PAD.left + i * slot + slot * 0.15;
    const top = sy(b.value);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(PAD.top + plotH - top).toFixed(1)}" fill="${b.color}"><title>${escapeXml(`${b.label}: ${b.value}`)}</title></rect>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle">${escapeXml(b.caption ?? String(b.value))}</text>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeXml(b.label)}</text>`,
    );
  });
  return svg(options.title, [
    ...parts,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" class="axis"/>`,
    `<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" class="label" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${escapeXml(options.y.label)}</text>`,
  ]);
}

/** The grid and axis lines' strokes (a report's page may restyle them). */
const STYLE = '<style>.grid{stroke:#e2e8f0}.axis{stroke:#64748b}</style>';

function svg(title: string, body: readonly string[]): string {
  // The title is drawn too (top right, in a row of its own above the legend), not only announced to screen readers.
  const heading = `<text x="${W - PAD.right}" y="14" text-anchor="end" font-size="13" font-weight="600" fill="#0f172a">${escapeXml(title)}</text>`;
  // A font of its own, so a chart saved as an .svg file (docs/images) reads as it does in a report.
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11" fill="#334155" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${STYLE}${heading}${body.join('')}</svg>`;
}
