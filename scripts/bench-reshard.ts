/**
 * `npm run bench:reshard -- [--duration S] [--at S] [--connections C] [--help]`: on a private stack, runs
 * `npm run load -- mixed` (browsing, sign-ups, purchases) and, `--at` seconds in, splits 90-ff at
 * c0 for every service, one after the other, then completes each. Prints each service's write pause, rows copied and
 * verify result, the requests failed by status, the throughput before / during / after the
 * splits, and the purchase invariants over the layout in force afterwards (docs/resharding.md).
 * The experiment itself is in scripts/bench/reshard/measure.ts, which the lab runs too.
 */
import { parseArgs } from 'node:util';
import { runReshardBench } from './bench/reshard/measure';

const USAGE = `usage: npm run bench:reshard -- [--duration S] [--at S] [--connections C]
  --duration S      seconds of npm run load -- mixed (default 40)
  --at S            seconds into the run when the splits start (default 15)
  --connections C   the load's concurrent connections (default 8)
  smallest run: --duration 25 --at 8 --connections 4`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '40' },
      at: { type: 'string', default: '15' },
      connections: { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options = {
    duration: Number(values.duration),
    at: Number(values.at),
    connections: Number(values.connections),
  };
  if (!(
    options.duration > 0 &&
    options.at >= 0 &&
    options.at < options.duration &&
    options.connections >= 1
  )) {
    throw new Error(`need 0 ≤ --at < --duration and --connections ≥ 1\n${USAGE}`);
  }
  await runReshardBench({ ...options, out: 'results', log: (line) => console.log(line) });
}

main().catch((err: Error) => {
  console.error(`bench:reshard: ${err.message}`);
  process.exit(1);
});
