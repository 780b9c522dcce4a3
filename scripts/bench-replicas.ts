/**
 * `npm run bench:replicas`: read-your-writes on a real streaming replica, measured (docs/replicas.md).
 * Starts a private primary with one replica that replays `--apply-delay-ms` behind (so lag is
 * visible), and a private stack on it (cache off, so every read reaches a shard). Then:
 *
 * 1. N users each write (PATCH /api/me, create an event, edit it, buy a ticket) and read each
 *    write straight back, then browse (the listing, their profile) a little later; once with the
 *    positions cookie dropped (pinning off), once kept (pinning on). Prints stale read-backs of
 *    each, the share of shard reads the replica served, and how many reads time-based pinning
 *    (everything on the primary for `--pin-ms` after a write) would have sent to the primary in
 *    the same pinned run, against what position pinning did send.
 * 2. Anonymous read throughput, in alternating rounds with the replica up and stopped (0 replicas:
 *    every read falls back to the primary).
 *
 * The experiment itself is in scripts/bench/replicas/measure.ts, which the lab runs too.
 *
 *   npm run bench:replicas -- [--users 16] [--rounds 4] [--apply-delay-ms 300] [--pin-ms 2000] [--seconds 8]
 *
 * Traffic goes to 127.0.0.1 only; the run is bounded and removes everything it made.
 */
import { parseArgs } from 'node:util';
import { runReplicaBench } from './bench/replicas/measure';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '4' },
    'apply-delay-ms': { type: 'string', default: '300' },
    'pin-ms': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
  },
});

runReplicaBench({
  users: Math.min(64, Number(values.users)),
  rounds: Math.min(20, Number(values.rounds)),
  applyDelayMs: Number(values['apply-delay-ms']),
  pinMs: Number(values['pin-ms']),
  seconds: Math.min(60, Number(values.seconds)),
  log: (line) => console.log(line),
}).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
