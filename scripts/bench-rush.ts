/**
 * `npm run bench:rush`: a rush on one hot event, measured. Starts a private stack (its own
 * databases and keys, removed afterwards), creates one event, and lets N concurrent buyers order
 * one seat at a time (Prefer: wait=10) until the event sells out. Prints confirmed orders/s,
 * time-to-outcome percentiles, CPU seconds per order per process and the invariant check, and
 * writes JSON + HTML reports into results/, and for the whole command a summary
 * (results/rush-summary-<timestamp>.json) with a chart of every round's confirmed/s (.svg).
 *
 *   npm run bench:rush -- [--buyers 200] [--seats 5000] [--seconds 60]
 *                         [--baseline monolith] [--instances 1[,2]] [--warmup-seats <seats>]
 *                         [--out results]
 *
 * `--baseline monolith` then rushes the same event size with the same buyers and client code at
 * a one-process Express + pg app (scripts/bench/rush/monolith-app.ts) on a database of its own, and
 * prints the ratio. `--instances 1,2` runs one Boxoffice round per instance count.
 *
 * Each side first sells a warm-up event of `--warmup-seats` (default: as many as `--seats`; 0 skips
 * it) to the same buyers, unmeasured: a process just started spends its first seconds compiling
 * (tsx) and JIT-warming, which would otherwise be counted against the orders of a short rush. A
 * warm-up of 500 was too short for Boxoffice's four processes: V8's optimizing compilers still
 * took 29 % of their samples in the measured window (docs/performance.md, "Warm").
 *
 * Buyers get sessions minted with the stack's own session key (signing 200 users up would
 * measure scrypt, not the saga). Traffic goes to 127.0.0.1 only; the run stops by itself.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import {
  RoundSummary,
  RushSettings,
  RushSide,
  startBoxofficeSide,
  startMonolithSide,
} from './bench/rush/sides';
import { RushSummaryRound, writeRushSummary } from './bench/rush/summary';

const { values } = parseArgs({
  options: {
    buyers: { type: 'string', default: '200' },
    seats: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
    baseline: { type: 'string' },
    instances: { type: 'string', default: '1' },
    'warmup-seats': { type: 'string' },
    out: { type: 'string', default: 'results' },
  },
});
const buyers = Number(values.buyers);
const seats = Number(values.seats);
const seconds = Number(values.seconds);
const instanceCounts = values.instances.split(',').map(Number);
const warmupSeats = Number(values['warmup-seats'] ?? seats);
if (values.baseline !== undefined && values.baseline !== 'monolith') {
  console.error(`bench:rush: --baseline takes "monolith", not "${values.baseline}"`);
  process.exit(2);
}
if (![buyers, seats, seconds, ...instanceCounts].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('bench:rush: --buyers, --seats, --seconds and --instances take positive integers');
  process.exit(2);
}
if (!Number.isInteger(warmupSeats) || warmupSeats < 0) {
  console.error('bench:rush: --warmup-seats takes a whole number (0 skips the warm-up)');
  process.exit(2);
}
const pgUrl = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

const settings: RushSettings = {
  buyers,
  seats,
  seconds,
  warmupSeats,
  out: values.out,
  log: (line) => console.log(line),
};

/** One round on a side started for it, stopped afterwards. */
async function oneRound(side: RushSide): Promise<RoundSummary> {
  try {
    return await side.round(settings);
  } finally {
    await side.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const agent = new Agent({ connections: buyers + 8 });
  const rounds: RoundSummary[] = [];
  try {
    for (const n of instanceCounts)
      rounds.push(await oneRound(await startBoxofficeSide(n, agent, pgUrl, settings.log)));
    if (values.baseline === 'monolith')
      rounds.push(await oneRound(await startMonolithSide(pgUrl, agent, settings.log)));
  } finally {
    await agent.close();
  }
  const monolith = rounds.find((r) => r.label === 'monolith');
  const summary: RushSummaryRound[] = rounds.map((r) => {
    const l = r.outcome.recorder.latency();
    return {
      label: r.label,
      confirmedPerSecond: r.outcome.confirmedPerSecond,
      p50Ms: l.p50,
      p99Ms: l.p99,
      oversold: r.oversold,
      invariantViolations: r.violations,
      cpuPerOrderMs: r.cpuPerOrderMs,
      vsMonolith:
        monolith && r !== monolith
          ? r.outcome.confirmedPerSecond / monolith.outcome.confirmedPerSecond
          : null,
    };
  });
  const loadAtEnd = loadavg();
  console.log(`\nsummary (load average ${loadAtEnd.map((n) => n.toFixed(2)).join(' ')})`);
  for (const r of summary) {
    const ratio = r.vsMonolith === null ? '' : `  ${r.vsMonolith.toFixed(2)}× monolith`;
    console.log(
      `  ${r.label.padEnd(14)} ${r.confirmedPerSecond.toFixed(0).padStart(5)} confirmed/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  oversold ${r.oversold}  invariant violations ${r.invariantViolations}${ratio}`,
    );
  }
  const files = writeRushSummary(
    {
      kind: 'bench-rush',
      startedAt,
      options: { buyers, seats, warmupSeats, instances: instanceCounts, baseline: values.baseline ?? null },
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      rounds: summary,
    },
    values.out,
  );
  console.log(`  wrote ${files.join(', ')}`);
  const failed = rounds.some((r) => r.oversold > 0 || r.violations > 0);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: Error) => {
  console.error(`bench:rush: ${err.message}`);
  process.exit(1);
});
