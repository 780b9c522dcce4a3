import { join } from 'node:path';
import { ReshardBenchResult, runReshardBench } from '../../bench/reshard/measure';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** A share as a percentage; '—' for a window in which the service wrote nothing. */
const pct = (share: number) => (Number.isFinite(share) ? `${fig(share * 100)} %` : '—');

/** Requests of the run that got an unexpected answer, or none. */
function failures(r: ReshardBenchResult): number {
  return Object.values(r.load.errorsByStatus).reduce((n, c) => n + c, 0);
}

/** The paragraph, from this run's pauses, failures and throughput around the splits. */
export function describeReshard(r: ReshardBenchResult): string {
  const pauses = r.jobs.map((j) => j.pauseMs ?? 0);
  const failed = failures(r);
  const differences = r.jobs.reduce((n, j) => n + (j.verify?.differences.length ?? 0), 0);
  const ratio = r.rate.during / r.rate.before;
  const violations = r.load.invariants?.checked ? r.load.invariants.violations.length : null;
  // Only services that wrote both before and after can show a change.
  const compared = r.relief.filter((x) => Number.isFinite(x.before) && Number.isFinite(x.after));
  const relieved = compared.filter((x) => x.after < x.before);
  return (
    `Splitting 90-ff at c0 for all three services took ${fig(r.window.to - r.window.from)} s under load; ` +
    `writes to the moving range paused for at most ${Math.max(0, ...pauses)} ms per service ` +
    `(${r.jobs.map((j) => `${j.service} ${j.pauseMs ?? 0} ms`).join(', ')}), the time from fencing the range to publishing the new map. ` +
    (failed === 0
      ? `Not one of the ${r.load.requests.total} requests failed. `
      : `${failed} of ${r.load.requests.total} requests failed (${JSON.stringify(r.load.errorsByStatus)}): a split online is not free of errors in this run. `) +
    `Throughput during the splits was ${times(ratio)} that before them ` +
    byDirection(ratio, {
      lower: '(copying rows and verifying them competes with the traffic for the same cores)',
      same: '(the copy hardly showed in the traffic)',
      higher:
        '(not slower: the rate rose through the run as the processes warmed up, by more than the copy took from it)',
      unknown: '(the splits fell outside the seconds the timeline covers)',
    }) +
    `, and ${fig(r.rate.after)} req/s after, against ${fig(r.rate.before)} before. ` +
    (compared.length === 0
      ? 'No service wrote both before and after the split in this run, so what it took off the split shard is not shown. '
      : relieved.length === compared.length
        ? `The split took load off the shard it split: its share of its service's row writes fell ${compared.map((x) => `from ${pct(x.before)} to ${pct(x.after)} (${x.service}, the new shard taking ${pct(x.targetAfter)})`).join(', ')}. `
        : `The split shard's share of its service's row writes did not fall for every service (${compared.map((x) => `${x.service} ${pct(x.before)} → ${pct(x.after)}`).join(', ')}): in the seconds after it, the load may not have written to that range as it did before. `) +
    (differences === 0
      ? 'Verification found the copies equal to their sources'
      : `Verification found ${differences} differences`) +
    (violations === null
      ? '.'
      : violations === 0
        ? ', and every purchase invariant held over the new layout.'
        : `, and ${violations} purchase invariants were broken over the new layout.`)
  );
}

export const reshard = defineExperiment({
  name: 'reshard',
  idea: '"when write load is too high, shard": splitting a range online',
  implementedIn: 'shared/reshard/src/resharder.ts',
  question:
    "What does splitting a shard's range online cost the traffic (how long a pause, how many failed requests), and how much load does it take off the shard?",
  sizes: {
    quick: { duration: 18, at: 4, connections: 4 },
    standard: { duration: 30, at: 10, connections: 8 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const r = await runReshardBench({ ...size, out: join(settings.workDir, 'reshard'), log: settings.log });
    return {
      setup:
        `A private stack under the mixed scenario (browsing, sign-ups, purchases) at ${size.connections} connections for ${size.duration} s; ` +
        `${size.at} s in, users, events and tickets each split their range 90-ff at c0 onto a new shard, one after the other, then complete ` +
        `(the moved rows leave the old shard), as npm run bench:reshard does. A split happens once, so this experiment has no alternating rounds: ` +
        `its before and after are the seconds before and during the splits of one run. The load each split took off its shard is that shard's share of ` +
        `its service's row writes (Postgres's pg_stat_database: rows inserted, updated, deleted) from the start to the split, and from the end of complete to the end.`,
      table: {
        columns: ['figure', 'value'],
        rows: [
          ...r.jobs.map((j) => [
            `${j.service}: write pause ms / rows copied / verify differences`,
            `${j.pauseMs ?? 0} / ${j.rowsCopied} / ${j.verify?.differences.length ?? 0}`,
          ]),
          ...r.relief.map((x) => [
            `${x.service}: the split shard's share of row writes, before → after (the new shard's after)`,
            `${pct(x.before)} → ${pct(x.after)} (${pct(x.targetAfter)})`,
          ]),
          ['requests / failed', `${r.load.requests.total} / ${failures(r)}`],
          ['req/s before the splits', r.rate.before],
          ['req/s during the splits', r.rate.during],
          ['req/s after the splits', r.rate.after],
        ],
      },
      chart: {
        title: 'Mixed load: requests per second around the splits',
        unit: 'req/s',
        bars: [
          { label: 'before', value: r.rate.before },
          { label: 'during the splits', value: r.rate.during },
          { label: 'after', value: r.rate.after },
        ],
      },
      paragraph: describeReshard(r),
      ratios: { 'during/before req/s': r.rate.during / r.rate.before },
    };
  },
});
