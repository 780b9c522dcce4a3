/** Text for the page: every value from the JSON goes through `esc` before it becomes HTML. */
export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** 1234.5 → "1.2k"; null → "–". */
export function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return '–';
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  if (abs >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function pct(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined
    ? '–'
    : `${(ratio * 100).toFixed(ratio >= 0.995 || ratio === 0 ? 0 : 1)}%`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** The CSS class of a state: up, slow (also not ready, degraded), down, unknown. */
export function tone(state: string): string {
  if (state === 'up') return 'up';
  if (state === 'down') return 'down';
  if (state === 'slow' || state === 'not_ready' || state === 'degraded' || state === 'off') return 'slow';
  return 'unknown';
}

export function label(state: string): string {
  return state.replace('_', ' ');
}
