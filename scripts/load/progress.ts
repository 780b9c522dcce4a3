import { SingleBar } from 'cli-progress';
import type { RunBudget } from './load-client';
import type { RunRecorder } from './stats';

/** Refresh period of the live line: 4 times a second is smooth without costing the run anything. */
const TICK_MS = 250;

/**
 * The live progress bar: how far the run is, requests per second over the last second, errors
 * so far, p99 so far. Silent when stdout is not a terminal (CI, tests).
 */
export function startProgress(
  label: string,
  budget: RunBudget,
  recorder: RunRecorder,
  enabled: boolean,
): () => void {
  if (!enabled || !process.stdout.isTTY) return () => undefined;
  const bar = new SingleBar({
    format: `${label} |{bar}| {percentage}% | {rps} req/s | {total_requests} requests | {errors} errors | p99 {p99} ms | {elapsed}s`,
    hideCursor: true,
    barsize: 24,
  });
  bar.start(1000, 0, { rps: 0, total_requests: 0, errors: 0, p99: 0, elapsed: 0 });
  const window: { at: number; total: number }[] = [];
  const tick = () => {
    const now = budget.elapsedMs();
    window.push({ at: now, total: recorder.total });
    while (window.length > 1 && now - window[0]!.at > 1000) window.shift();
    const first = window[0]!;
    const rps = now > first.at ? ((recorder.total - first.total) * 1000) / (now - first.at) : 0;
    bar.update(Math.round(budget.fraction() * 1000), {
      rps: Math.round(rps),
      total_requests: recorder.total,
      errors: recorder.errors,
      p99: recorder.latency().p99.toFixed(1),
      elapsed: (now / 1000).toFixed(0),
    });
  };
  const timer = setInterval(tick, TICK_MS);
  return () => {
    clearInterval(timer);
    tick();
    bar.stop();
  };
}
