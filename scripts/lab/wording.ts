/**
 * The words a paragraph picks from its figures. Every experiment's paragraph is written from the
 * run's own numbers: a ratio is compared to 1 and the sentence says which way it went, so a
 * result that goes against the talk's expectation reads as such.
 */

/** Within this much of 1, two figures are "about the same" (a shared machine moves more than that). */
export const SAME_WITHIN = 0.1;

export type Direction = 'higher' | 'lower' | 'same' | 'unknown';

/** Which way `ratio` (b ÷ a) points, against 1 ± `within`. */
export function direction(ratio: number, within = SAME_WITHIN): Direction {
  if (!Number.isFinite(ratio) || ratio <= 0) return 'unknown';
  if (ratio > 1 + within) return 'higher';
  if (ratio < 1 / (1 + within)) return 'lower';
  return 'same';
}

/** 1.8432 → "1.84×". */
export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

/** A figure with as many decimals as it needs: 1234.5 → "1,235", 12.34 → "12.3", 0.1234 → "0.12", 7 → "7". */
export function fig(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** One of three phrasings, by the direction of `ratio`; `unknown` when it could not be measured. */
export function byDirection(
  ratio: number,
  words: { higher: string; lower: string; same: string; unknown?: string },
  within = SAME_WITHIN,
): string {
  const d = direction(ratio, within);
  return d === 'unknown' ? (words.unknown ?? 'could not be compared (a side measured nothing)') : words[d];
}

/** "(load average 3.2 on 2 cores)", with a warning when the machine was busier than its cores. */
export function loadNote(loadAverage: number, cores: number): string {
  return loadAverage > cores
    ? ` The load average (${loadAverage.toFixed(1)}) was above the ${cores} cores: other work competed with this run, so treat the ratio as rough.`
    : '';
}
