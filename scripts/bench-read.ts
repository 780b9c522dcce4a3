/**
 * `npm run bench:read`: what a cached read costs through the stack, next to a bare Express app,
 * in the same command (docs/performance.md "Fast paths: reads").
 *
 * Starts a private stack and a bare Express 5 app (scripts/bench/read/bare-express.ts) in its own
 * process, seeds events through the API, then measures with autocannon in alternating rounds:
 * the bare app, a cached GET /api/events/:id through the gateway and straight at the events
 * service, and GET /api/events?limit=20 through the gateway. Prints req/s, p50, p99 and the CPU
 * milliseconds each process spent per request, the ratios (medians over rounds), and the load
 * average; writes results/bench-read-<timestamp>.json and .html.
 *
 * With --shards 1,2,4,8 it measures the listing, cached and asking every shard (and the bare app,
 * alternating), on one private stack per shard count instead, and also writes the latency chart
 * as an .svg.
 *
 *   npm run bench:read -- [--rounds 3] [--seconds 5] [--connections 50] [--events 200]
 *                         [--shards 1,2,4,8] [--only gateway-event,…] [--out results]
 *
 * --only runs just the named targets (bare, gateway-event, direct-event, gateway-listing,
 * gateway-listing-uncached), e.g. to profile one path; the ratios whose two targets ran are still
 * printed.
 *
 * BOXOFFICE_CPU_PROF_DIR=/dir writes a V8 CPU profile per process on exit. Traffic goes to
 * 127.0.0.1 only; every round is bounded, and the stacks' data is removed at the end.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BareApp, startBareApp, startReadStack } from './bench/read/stack';
import { ReadTarget, TargetResult, alternatingRounds, roundRatio } from './bench/read/rounds';
import { bareTarget, eventTargets, listingTarget, uncachedListingTarget } from './bench/read/targets';
import { writeBenchReadFiles, textSummary } from './bench/read/report';
import type { BenchReadResult, RatioResult, ShardStep } from './bench/read/result';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    events: { type: 'string', default: '200' },
    shards: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string', default: 'results' },
  },
});

function bounded(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

const options = {
  rounds: bounded('rounds', values.rounds, 1, 10),
  seconds: bounded('seconds', values.seconds, 0.5, 60),
  connections: bounded('connections', values.connections, 1, 500),
  events: bounded('events', values.events, 1, 2000),
  shards: (values.shards ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => bounded('shards', s, 1, 16)),
  only: (values.only ?? '').split(',').filter(Boolean),
};
const TARGET_NAMES = ['bare', 'gateway-event', 'direct-event', 'gateway-listing', 'gateway-listing-uncached'];
for (const name of options.only) {
  if (!TARGET_NAMES.includes(name)) {
    throw new Error(`--only: no target "${name}"; the targets are ${TARGET_NAMES.join(', ')}`);
  }
}
for (const n of options.shards) {
  if (256 % n !== 0) throw new Error(`--shards: ${n} does not divide the 256 buckets evenly`);
}
const log = (line: string) => console.log(line);
const loadAverage = () => loadavg().map((l) => Number(l.toFixed(2)));

/** The ratio of two targets' req/s, when both ran. */
function ratio(results: readonly TargetResult[], a: string, b: string, target: number): RatioResult[] {
  const of = (name: string) => results.find((r) => r.name === name);
  const [first, second] = [of(a), of(b)];
  if (!first || !second) return [];
  const value = roundRatio(first, second);
  const short = (name: string) => name.replace(/-event$/, '').replace(/^gateway-/, '');
  return [{ name: `${short(a)}/${short(b)}`, value, target, met: value >= target }];
}

/** The four targets on one stack (the default preset's shards). */
async function mainTargets(bare: BareApp): Promise<{ targets: TargetResult[]; ratios: RatioResult[] }> {
  const read = await startReadStack({ events: options.events });
  try {
    const event = eventTargets(read);
    const all: ReadTarget[] = [
      bareTarget(bare, read.eventId),
      event.gateway,
      event.direct,
      listingTarget(read),
      uncachedListingTarget(read),
    ];
    const chosen = options.only.length > 0 ? all.filter((t) => options.only.includes(t.name)) : all;
    const targets = await alternatingRounds(chosen, { ...options, log });
    return {
      targets,
      ratios: [
        ...ratio(targets, 'gateway-event', 'bare', 0.5),
        ...ratio(targets, 'gateway-event', 'direct-event', 0.75),
        ...ratio(targets, 'gateway-listing', 'bare', 0.25),
        ...ratio(targets, 'gateway-listing-uncached', 'bare', 0.25),
      ],
    };
  } finally {
    await read.stop();
  }
}

/**
 * The listing and the bare app, alternating, on one stack per shard count: the cached page (one
 * shard query per second per process, whatever the count) and the page asked of every shard.
 */
async function shardSteps(bare: BareApp): Promise<ShardStep[]> {
  const steps: ShardStep[] = [];
  for (const shards of options.shards) {
    log(`\n${shards} events shard(s):`);
    const read = await startReadStack({ shards, events: options.events });
    try {
      const [bareResult, listing, uncached] = (await alternatingRounds(
        [bareTarget(bare, read.eventId), listingTarget(read), uncachedListingTarget(read)],
        { ...options, log },
      )) as [TargetResult, TargetResult, TargetResult];
      steps.push({
        shards,
        listing,
        uncached,
        bare: bareResult,
        listingVsBare: roundRatio(listing, bareResult),
        uncachedVsBare: roundRatio(uncached, bareResult),
      });
    } finally {
      await read.stop();
    }
  }
  return steps;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const start = loadAverage();
  log(
    `bench:read: ${options.rounds} alternating rounds of ${options.seconds} s per target at ${options.connections} connections; load average ${start.join(' ')}`,
  );
  const bare = await startBareApp({ BOXOFFICE_CPU_PROF_DIR: process.env.BOXOFFICE_CPU_PROF_DIR ?? '' });
  try {
    const four = options.shards.length === 0 ? await mainTargets(bare) : { targets: [], ratios: [] };
    const steps = options.shards.length > 0 ? await shardSteps(bare) : [];
    const result: BenchReadResult = {
      kind: 'bench-read',
      startedAt,
      finishedAt: new Date().toISOString(),
      options,
      loadAverage: { start, end: loadAverage() },
      targets: four.targets,
      ratios: four.ratios,
      shardSteps: steps,
    };
    log(`\n${textSummary(result)}`);
    for (const file of writeBenchReadFiles(result, values.out)) log(`  wrote ${file}`);
    if ([...result.targets, ...steps.map((s) => s.listing)].some((t) => t.failures > 0)) {
      log('  some requests failed: the figures above are not to be trusted');
      process.exitCode = 2;
    }
  } finally {
    await bare.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:read: ${err.message}`);
  process.exit(1);
});
