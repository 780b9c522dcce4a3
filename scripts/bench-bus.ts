/**
 * `npm run bench:bus`: the bus's trade-offs measured on each backend named by --backend
 * (redis, rabbitmq or both, side by side in one run):
 * - throughput and publish→handle lag, at-least-once, at-most-once and through the outbox, as a
 *   flood and paced (scripts/bench/bus/throughput-phases.ts);
 * - messages lost while a subscriber restarts, a finite topic against an unbounded one under a
 *   slow consumer, FIFO against newest-first under a backlog (scripts/bench/bus/tradeoff-phases.ts).
 * Bounded: every phase stops after its messages or its time limit, and the run deletes its keys,
 * queues and database.
 *
 * Options: --backend redis,rabbitmq (default redis), --messages N (flood size, default 100000),
 * --rate R (paced msgs/s, default 2000), --seconds S (paced duration, default 5). PG_URL and
 * REDIS_URL as for the services; RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Backend, BenchSettings, PhaseResult } from './bench/bus/bench-support';
import { backendUrls, busTarget, cleanupTarget, runPrefix } from './bench/bus/targets';
import { atLeastOncePhases, atMostOncePhases, outboxPhases } from './bench/bus/throughput-phases';
import { backlogPhases, orderingPhases, restartPhases } from './bench/bus/tradeoff-phases';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'redis' },
    messages: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '5' },
  },
});
const URLS = backendUrls();
const settings: BenchSettings = {
  messages: Number(args.messages),
  rate: Number(args.rate),
  seconds: Number(args.seconds),
  pgUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
};
const RUN = runPrefix();
const PHASES = [
  atLeastOncePhases,
  atMostOncePhases,
  outboxPhases,
  restartPhases,
  backlogPhases,
  orderingPhases,
];

function backendsOf(list: string): Backend[] {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(name in URLS));
  if (unknown.length > 0)
    throw new Error(`--backend: unknown ${unknown.join(', ')} (use redis, rabbitmq or both)`);
  return names as Backend[];
}

/** The side-by-side table, as markdown (docs/bus.md quotes it). */
function printTable(backends: Backend[], results: PhaseResult[]): void {
  const phases = [...new Set(results.map((r) => r.phase))];
  console.log(`\n| phase | ${backends.join(' | ')} |\n| --- | ${backends.map(() => '---').join(' | ')} |`);
  for (const phase of phases) {
    const cells = backends.map(
      (b) => results.find((r) => r.phase === phase && r.backend === b)?.summary ?? '—',
    );
    console.log(`| ${phase} | ${cells.join(' | ')} |`);
  }
}

function versions(): string {
  try {
    const rabbit = execFileSync('rabbitmqctl', ['-q', 'version'], { encoding: 'utf8' }).trim();
    return `RabbitMQ ${rabbit}`;
  } catch {
    return 'RabbitMQ version unknown';
  }
}

async function main(): Promise<void> {
  const backends = backendsOf(args.backend);
  console.log(
    `bench-bus on ${backends.join(', ')}: ${settings.messages} messages per flood, paced at ${settings.rate}/s for ${settings.seconds} s; ` +
      `names under ${RUN}:bus:; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}` +
      (backends.includes('rabbitmq') ? `; ${versions()}` : ''),
  );
  const results: PhaseResult[] = [];
  const report = (result: PhaseResult) => {
    results.push(result);
    console.log(`${result.backend.padEnd(8)} ${result.phase.padEnd(44)} ${result.summary}`);
  };
  // Phase by phase, each backend in turn, so both see similar machine load.
  const targets = backends.map((backend) => busTarget(backend, RUN));
  try {
    for (const phase of PHASES) for (const target of targets) await phase(target, settings, report);
  } finally {
    for (const target of targets)
      await cleanupTarget(target).catch((err: Error) => console.error(`cleanup: ${err.message}`));
  }
  printTable(backends, results);
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench-bus: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
