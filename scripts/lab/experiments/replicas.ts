import { median } from '../../bench/read/measure';
import { ReplicaBenchResult, runReplicaBench, sum, type PinningPhase } from '../../bench/replicas/measure';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const stale = (p: PinningPhase) => p.samples.filter((s) => s.stale).length;
const replicaShare = (p: PinningPhase) =>
  sum(p.reads, (k) => k.startsWith('replica/')) /
  Math.max(
    1,
    sum(p.reads, () => true),
  );
const pct = (share: number) => `${(share * 100).toFixed(0)} %`;

/** The median reads/s over the rounds with `replicas` replicas up. */
const medianRps = (r: ReplicaBenchResult, replicas: number) =>
  median(r.throughput.filter((t) => t.replicas === replicas).map((t) => t.rps));

/** Reads/s with the replica up over stopped, per round, the median. */
export function replicaThroughputRatio(r: ReplicaBenchResult): number {
  const rounds = [...new Set(r.throughput.map((t) => t.round))];
  return median(
    rounds.map((round) => {
      const of = (n: number) => r.throughput.find((t) => t.round === round && t.replicas === n)?.rps ?? NaN;
      return of(1) / of(0);
    }),
  );
}

/** The paragraph, from this run's stale counts, replica shares and the throughput ratio. */
export function describeReplicas(r: ReplicaBenchResult): string {
  const [off, on] = [stale(r.off), stale(r.on)];
  const ratio = replicaThroughputRatio(r);
  const pinning =
    on > 0
      ? `With pinning on, ${on} of ${r.on.samples.length} reads were still stale, which position pinning should prevent: look at the log. `
      : off === 0
        ? `No read-back was stale even with pinning off (the replica had replayed each write before it was read), so this run cannot show what pinning prevents; none was stale with it on. `
        : `With pinning off, ${off} of ${r.off.samples.length} reads showed the user an older state than they had just written; with pinning on, none did. `;
  return (
    pinning +
    `The replica served ${pct(replicaShare(r.off))} of shard reads with pinning off and ${pct(replicaShare(r.on))} with it on: ` +
    `pinning sends a user's reads to the primary only until the replica has replayed that user's writes ` +
    `(${r.primaryReads.positions} shard reads went to the primary, where pinning every read for a fixed time after a write would have sent ${r.primaryReads.timeBased}). ` +
    `Anonymous reads ran at ${times(ratio)} with the replica up against stopped (${fig(medianRps(r, 1))} against ${fig(medianRps(r, 0))} reads/s): ` +
    byDirection(ratio, {
      higher: 'the replica took load off the primary.',
      lower:
        'slower with the replica, which on one machine is possible: the replica competes with the primary for the same cores and disk.',
      same: 'about the same, as expected when primary and replica share one machine: a replica adds capacity only on cores of its own.',
    })
  );
}

export const replicas = defineExperiment({
  name: 'replicas',
  idea: 'read replicas, and pinning a user to the primary after a write',
  implementedIn: 'shared/sharding/src/db/replica-routing.ts',
  question: 'How many reads are stale with pinning off and on, and what share of reads do the replicas take?',
  sizes: {
    quick: { users: 4, rounds: 1, seconds: 1 },
    standard: { users: 8, rounds: 2, seconds: 4 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const r = await runReplicaBench({ ...size, applyDelayMs: 300, pinMs: 2000, log: settings.log });
    return {
      setup:
        `A private Postgres primary with one streaming replica replaying 300 ms behind, and a private stack on it with the cache off. ` +
        `${size.users} users each write and read back (profile, a new event, an edit, an order, their tickets) ${size.rounds} time(s), ` +
        `with the positions cookie dropped (pinning off), then kept (pinning on); then 16 anonymous readers for ${size.seconds} s ` +
        `with the replica up and stopped, alternating (up, stopped, then stopped, up), as npm run bench:replicas does.`,
      table: {
        columns: ['figure', 'before', 'after'],
        rows: [
          [
            'stale reads (pinning off → on)',
            `${stale(r.off)} of ${r.off.samples.length}`,
            `${stale(r.on)} of ${r.on.samples.length}`,
          ],
          [
            'shard reads on the replica (pinning off → on)',
            pct(replicaShare(r.off)),
            pct(replicaShare(r.on)),
          ],
          ['anonymous reads/s (replica stopped → up)', medianRps(r, 0), medianRps(r, 1)],
        ],
      },
      chart: {
        title: 'Reads that showed an older state than the user had written',
        unit: 'stale reads',
        bars: [
          { label: 'pinning off', value: stale(r.off) },
          { label: 'pinning on', value: stale(r.on) },
        ],
      },
      paragraph: describeReplicas(r),
      ratios: { 'reads/s replica up/stopped': replicaThroughputRatio(r) },
    };
  },
});
