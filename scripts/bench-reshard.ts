/**
 * `npm run bench:reshard -- [--duration S] [--at S] [--connections C]`: on a private stack, runs
 * `npm run load -- mixed` (browsing, sign-ups, purchases) and, `--at` seconds in, splits 90-ff at
 * c0 for every service, one after the other, then completes each. Prints each service's write pause, rows copied and
 * verify result, the requests failed by status, the throughput before / during / after the
 * splits, and the purchase invariants over the layout in force afterwards (docs/resharding.md).
 * The experiment itself is in scripts/bench/reshard/measure.ts, which the lab runs too.
 */
import { parseArgs } from 'node:util';
import { runReshardBench } from './bench/reshard/measure';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '40' },
    at: { type: 'string', default: '15' },
    connections: { type: 'string', default: '8' },
  },
});

runReshardBench({
  duration: Number(values.duration),
  at: Number(values.at),
  connections: Number(values.connections),
  out: 'results',
  log: (line) => console.log(line),
}).catch((err: Error) => {
  console.error(`bench:reshard: ${err.message}`);
  process.exit(1);
});
