import type { HttpCounts } from '@boxoffice/contracts';

/** Per second over `seconds`; null without a previous figure, or when the counter went backwards (a restart). */
export function ratePerSecond(
  current: number,
  previous: number | undefined,
  seconds: number | null,
): number | null {
  if (previous === undefined || seconds === null || seconds <= 0 || current < previous) return null;
  return round((current - previous) / seconds);
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Sums what `pick` reads from each pair, or null when no pair has both figures. */
export function sumOfRates<T>(
  pairs: { current: T; previous: T | undefined }[],
  pick: (item: T) => number | undefined,
  seconds: number | null,
): number | null {
  let total: number | null = null;
  for (const { current, previous } of pairs) {
    const now = pick(current);
    const before = previous === undefined ? undefined : pick(previous);
    if (now === undefined) continue;
    const r = ratePerSecond(now, before, seconds);
    if (r !== null) total = (total ?? 0) + r;
  }
  return total === null ? null : round(total);
}

/**
 * The 99th percentile of the requests between two cumulative histograms, in ms, interpolated
 * linearly inside its bucket (as Prometheus's histogram_quantile does). Null without requests in
 * between. Beyond the last finite bound (10 s) it answers that bound.
 */
export function p99Between(current: HttpCounts, previous: HttpCounts | undefined, q = 0.99): number | null {
  const before = new Map((previous?.buckets ?? []).map(([le, n]) => [le, n]));
  const deltas = current.buckets.map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
  const total = current.count - (previous?.count ?? 0);
  if (total <= 0 || deltas.some(([, n]) => n < 0)) return null;
  const target = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, n] of deltas) {
    if (le === null) return round(lowerBound * 1000);
    if (n >= target) {
      const inBucket = n - lowerCount;
      const fraction = inBucket > 0 ? (target - lowerCount) / inBucket : 1;
      return round((lowerBound + (le - lowerBound) * fraction) * 1000);
    }
    lowerBound = le;
    lowerCount = n;
  }
  return round(lowerBound * 1000);
}
