/**
 * Where one stale-tolerant read goes: pure functions of what the pollers last saw, so every rule
 * has a unit test (tests/replicas/replica-routing.unit.test.ts).
 */

/** What the poller last saw of one replica. */
export interface ReplicaView {
  /** The replica's last poll answered (and recently enough). */
  up: boolean;
  /** pg_last_wal_replay_lsn() at the last poll. Replay only moves forward, so this is a lower bound. */
  replayLsn: bigint | undefined;
  /** How far behind the primary it is, in seconds (Infinity when unknown). */
  lagSeconds: number;
}

/**
 * Why a read went where it went (the `reason` label of `db_reads_total`):
 * - `caught_up`: the reader had a position on this shard and the replica has replayed past it;
 * - `within_lag`: no position (anonymous, or no write on this shard): any replica within the bound;
 * - `no_replica`: the shard has none;
 * - `not_caught_up`: the reader's own write is not replayed yet on any usable replica (pinning);
 * - `replica_lagging`: every replica that answers is further behind than the bound;
 * - `replica_down`: no replica answers.
 */
export type ReadReason =
  'caught_up' | 'within_lag' | 'no_replica' | 'not_caught_up' | 'replica_lagging' | 'replica_down';

export type ReadDecision =
  | { target: 'replica'; replica: number; reason: 'caught_up' | 'within_lag' }
  | { target: 'primary'; reason: Exclude<ReadReason, 'caught_up' | 'within_lag'> };

/**
 * The first usable replica from `start` on (round-robin over calls), else the primary with the
 * reason of the most nearly usable replica: a reader kept on the primary by its own write is
 * `not_caught_up` even if another replica is down.
 */
export function chooseReadTarget(
  replicas: readonly ReplicaView[],
  required: bigint | undefined,
  maxLagSeconds: number,
  start = 0,
): ReadDecision {
  if (replicas.length === 0) return { target: 'primary', reason: 'no_replica' };
  let anyUp = false;
  let anyWithinLag = false;
  for (let step = 0; step < replicas.length; step++) {
    const index = (start + step) % replicas.length;
    const replica = replicas[index]!;
    if (!replica.up) continue;
    anyUp = true;
    if (!(replica.lagSeconds <= maxLagSeconds)) continue;
    anyWithinLag = true;
    if (required !== undefined && (replica.replayLsn === undefined || replica.replayLsn < required)) continue;
    return { target: 'replica', replica: index, reason: required === undefined ? 'within_lag' : 'caught_up' };
  }
  if (anyWithinLag) return { target: 'primary', reason: 'not_caught_up' };
  return { target: 'primary', reason: anyUp ? 'replica_lagging' : 'replica_down' };
}

/** One poll of the primary: its WAL position at a moment (ms, this process's clock). */
export interface PrimarySample {
  atMs: number;
  lsn: bigint;
}

/**
 * A replica's lag, judged only against the primary's own positions over time, so no two servers'
 * clocks are compared and an idle primary is not mistaken for lag: the replica holds everything
 * the primary had at the latest sample at or below its replay position. If that is the newest
 * sample the lag is 0; else it is at most the time since the sample after which the replica
 * misses data. Samples are in time order; with none, the lag is unknown (Infinity).
 */
export function replicaLag(
  samples: readonly PrimarySample[],
  replayLsn: bigint | undefined,
  nowMs: number,
): { seconds: number; bytes: number } {
  const newest = samples[samples.length - 1];
  if (!newest || replayLsn === undefined) return { seconds: Infinity, bytes: Infinity };
  const bytes = newest.lsn > replayLsn ? Number(newest.lsn - replayLsn) : 0;
  if (bytes === 0) return { seconds: 0, bytes: 0 };
  let held: PrimarySample | undefined;
  for (const sample of samples) {
    if (sample.lsn <= replayLsn) held = sample;
    else break;
  }
  const since = held ?? samples[0]!;
  return { seconds: Math.max(0, nowMs - since.atMs) / 1000, bytes };
}
