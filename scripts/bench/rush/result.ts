import { cpus, loadavg } from 'node:os';
import { type LoadResult, RESULT_VERSION } from '../../load/load-result';
import { toRecord } from '../../load/stats';
import type { RushOutcome } from './client';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** One rush round as a `npm run load` result file (JSON + HTML via writeResultFiles). */
export function rushResult(round: {
  label: string;
  target: string;
  startedAt: Date;
  buyers: number;
  seconds: number;
  loadAverageBefore: number[];
  outcome: RushOutcome;
  violations: string[] | null;
  notes: string[];
}): LoadResult {
  const { outcome } = round;
  const r = outcome.recorder;
  return {
    version: RESULT_VERSION,
    scenario: 'rush',
    label: round.label,
    startedAt: round.startedAt.toISOString(),
    target: round.target,
    options: { connections: round.buyers, seed: 0, durationSeconds: round.seconds },
    machine: {
      cpus: cpus().length,
      node: process.version,
      loadAverageBefore: round.loadAverageBefore.map(round2),
      loadAverageAfter: loadavg().map(round2),
    },
    elapsedSeconds: round2(outcome.elapsedSeconds),
    requests: {
      total: r.total,
      ok: r.total - r.errors,
      errors: r.errors,
      throughput: round2(outcome.confirmedPerSecond),
    },
    latencyMs: r.latency(),
    statuses: toRecord(r.statuses),
    errorsByStatus: toRecord(r.errorsByStatus),
    operations: r.operations(),
    shards: [],
    cache: null,
    invariants: round.violations
      ? { checked: true, violations: round.violations }
      : { checked: false, violations: [], note: 'no invariant checker for this target' },
    timeline: r.timeline(),
    percentiles: r.percentiles(),
    notes: [`throughput is confirmed orders/s`, ...round.notes],
  };
}
