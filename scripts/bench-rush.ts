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
import { Agent, request } from 'undici';
import { newId } from '@boxoffice/platform';
import { encodeSession, newSession } from '@boxoffice/gateway';
import { startMonolith } from './bench/rush/monolith-stack';
import { clusterCpuDelta, cpuDelta, cpuSeconds, postgresCpuByPid } from './bench/process-cpu';
import { busLag } from './bench/rush/bus-lag';
import { RushOutcome, createRushEvent, rush } from './bench/rush/client';
import { rushResult } from './bench/rush/result';
import { RushSummaryRound, writeRushSummary } from './bench/rush/summary';
import { checkInvariantsWhenQuiet } from './lib/invariants';
import { inheritedEnv } from './stack/processes';
import { writeResultFiles } from './load/result-files';
import { startStack } from './stack/start-stack';

const BENCH_SESSION_KEY = 'bench-session-key-0123456789abcdef-0123456789';

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

function cookieFor(userId: string): string {
  return `sid=${encodeSession(newSession(userId, 3600), [BENCH_SESSION_KEY])}`;
}

/** What a round reports for the summary: its figures and whether it passed. */
interface RoundSummary {
  label: string;
  outcome: RushOutcome;
  oversold: number;
  violations: number;
  cpuPerOrderMs: Record<string, number>;
}

/** CPU snapshot of the given processes, the bench itself and the Postgres cluster (the bench has it to itself). */
async function cpuSnapshot(processes: { name: string; pid: number }[]) {
  const named = Object.fromEntries(processes.map((p) => [p.name, cpuSeconds(p.pid)]));
  const usage = process.cpuUsage();
  named.bench = (usage.user + usage.system) / 1e6;
  return { named, postgres: await postgresCpuByPid(pgUrl) };
}

/** CPU seconds per process between two snapshots, the cluster as "postgres". */
function snapshotDelta(
  before: Awaited<ReturnType<typeof cpuSnapshot>>,
  after: Awaited<ReturnType<typeof cpuSnapshot>>,
): Record<string, number> {
  return {
    ...cpuDelta(before.named, after.named),
    postgres: clusterCpuDelta(before.postgres, after.postgres),
  };
}

/** How long each process's idle CPU is measured before a rush. */
const IDLE_SECONDS = 3;

const formatMs = (byName: Record<string, number>) =>
  Object.entries(byName)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ');

function printRound(label: string, o: RushOutcome, cpuPerOrderMs: Record<string, number>): void {
  const l = o.recorder.latency();
  console.log(`\n[${label}]`);
  console.log(
    `confirmed orders   ${o.counts.confirmed} in ${o.elapsedSeconds.toFixed(2)} s = ${o.confirmedPerSecond.toFixed(0)} confirmed/s`,
  );
  console.log(
    `other answers      ${o.counts.rejected} rejected (409), ${o.counts.pending} pending (202), ${o.counts.errors} errors`,
  );
  console.log(`time to outcome    p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`);
  console.log(`CPU ms per order   ${formatMs(cpuPerOrderMs)}`);
}

function perOrder(delta: Record<string, number>, confirmed: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(delta).map(([name, s]) => [name, (1000 * s) / Math.max(1, confirmed)]),
  );
}

/** The unmeasured warm-up: the same buyers sell out an event of `warmupSeats` first. */
async function warmUp(baseUrl: string, agent: Agent): Promise<void> {
  if (warmupSeats === 0) return;
  const eventId = await createRushEvent(baseUrl, cookieFor(newId()), warmupSeats);
  const o = await rush({ baseUrl, eventId, buyers, seconds, cookieFor, agent });
  console.log(`warm-up            ${o.counts.confirmed} of ${warmupSeats} seats sold (not measured)`);
}

/** One measured rush at `baseUrl`: the outcome, CPU ms per confirmed order, when and under what load. */
async function measuredRush(
  label: string,
  baseUrl: string,
  eventId: string,
  processes: { name: string; pid: number }[],
  agent: Agent,
) {
  await warmUp(baseUrl, agent);
  // Idle first: pollers, leases and relays cost CPU with no traffic at all, which at a few
  // orders a second would be most of the "per order" figure. Printed, not subtracted.
  const idleStart = await cpuSnapshot(processes);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idle = snapshotDelta(idleStart, await cpuSnapshot(processes));
  const idleMsPerSecond = Object.fromEntries(
    Object.entries(idle).map(([name, s]) => [name, (1000 * s) / IDLE_SECONDS]),
  );
  const loadAverageBefore = loadavg();
  const startedAt = new Date();
  const cpuBefore = await cpuSnapshot(processes);
  const outcome = await rush({ baseUrl, eventId, buyers, seconds, cookieFor, agent });
  const cpuPerOrderMs = perOrder(
    snapshotDelta(cpuBefore, await cpuSnapshot(processes)),
    outcome.counts.confirmed,
  );
  printRound(label, outcome, cpuPerOrderMs);
  console.log(`CPU ms/s when idle ${formatMs(idleMsPerSecond)}`);
  return { outcome, cpuPerOrderMs, idleMsPerSecond, startedAt, loadAverageBefore };
}

/** Writes a round's JSON + HTML report and prints where. */
function writeRound(
  label: string,
  target: string,
  measured: Awaited<ReturnType<typeof measuredRush>>,
  violations: string[],
  notes: string[],
): void {
  const rounded = (byName: Record<string, number>) =>
    JSON.stringify(byName, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v));
  const files = writeResultFiles(
    rushResult({
      label,
      target,
      startedAt: measured.startedAt,
      buyers,
      seconds,
      loadAverageBefore: measured.loadAverageBefore,
      outcome: measured.outcome,
      violations,
      notes: [
        ...notes,
        `CPU ms per confirmed order: ${rounded(measured.cpuPerOrderMs)}`,
        `CPU ms per second when idle (before the rush): ${rounded(measured.idleMsPerSecond)}`,
      ],
    }),
    values.out,
  );
  console.log(`report             ${files.html}`);
}

async function boxofficeRound(instances: number, agent: Agent): Promise<RoundSummary> {
  const label = instances === 1 ? 'boxoffice' : `boxoffice-${instances}x`;
  console.log(`starting a private stack (${instances} instance(s) of each service)…`);
  const stack = await startStack({ env: { SESSION_KEYS: BENCH_SESSION_KEY }, instances });
  try {
    const eventId = await createRushEvent(stack.gatewayUrl, cookieFor(newId()), seats);
    console.log(`${buyers} buyers rushing ${seats} seats of event ${eventId} (at most ${seconds} s)…`);
    const processes = stack.processes.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 }));
    const measured = await measuredRush(label, stack.gatewayUrl, eventId, processes, agent);
    const lag: string[] = [];
    for (const p of stack.processes.filter((p) => p.role !== 'gateway'))
      for (const line of await busLag(p.url, agent)) lag.push(`bus lag ${p.name}: ${line}`);
    for (const line of lag) console.log(`  ${line}`);
    const report = await checkInvariantsWhenQuiet(stack.topology, 30_000);
    const event = await request(`${stack.gatewayUrl}/api/events/${eventId}`, { dispatcher: agent });
    const { seatsSold } = (await event.body.json()) as { seatsSold: number };
    const oversold = Math.max(0, seatsSold - seats);
    console.log(`seats sold         ${seatsSold} of ${seats}${oversold ? '  OVERSOLD' : ''}`);
    console.log(
      report.violations.length === 0
        ? 'invariants         hold (every order settled, no seat lost or oversold)'
        : `invariants         ${report.violations.length} VIOLATIONS`,
    );
    const violations = report.violations.map((v) => `${v.invariant}: ${v.detail} ${JSON.stringify(v.ids)}`);
    for (const v of violations.slice(0, 10)) console.log(`  ${v}`);
    writeRound(label, stack.gatewayUrl, measured, violations, [
      `${instances} instance(s) of each service; ${seatsSold} of ${seats} seats sold, oversold ${oversold}`,
      ...lag,
    ]);
    return { label, ...measured, oversold, violations: report.violations.length };
  } finally {
    await stack.stop();
  }
}

async function monolithRound(agent: Agent): Promise<RoundSummary> {
  console.log(`\nstarting the monolith baseline (one Express + pg process, its own database)…`);
  const monolith = await startMonolith(pgUrl, { ...inheritedEnv(), SESSION_KEYS: BENCH_SESSION_KEY });
  try {
    const eventId = await createRushEvent(monolith.url, cookieFor(newId()), seats);
    const procs = [{ name: 'monolith', pid: monolith.process.child.pid ?? 0 }];
    const measured = await measuredRush('monolith', monolith.url, eventId, procs, agent);
    const facts = await monolith.facts(eventId);
    const oversold = Math.max(0, facts.seatsSold - seats);
    const violations = [
      ...(facts.seatsSold > facts.capacity ? [`oversold: ${facts.seatsSold} of ${facts.capacity}`] : []),
      ...(facts.byStatus.confirmed !== facts.seatsSold
        ? [`confirmed orders ${facts.byStatus.confirmed ?? 0} ≠ seats sold ${facts.seatsSold}`]
        : []),
    ];
    console.log(`seats sold         ${facts.seatsSold} of ${seats}${oversold ? '  OVERSOLD' : ''}`);
    console.log(`orders             ${JSON.stringify(facts.byStatus)} (settled when written: one statement)`);
    writeRound('monolith', monolith.url, measured, violations, [
      `${facts.seatsSold} of ${seats} seats sold, oversold ${oversold}; orders ${JSON.stringify(facts.byStatus)}`,
    ]);
    return { label: 'monolith', ...measured, oversold, violations: violations.length };
  } finally {
    await monolith.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const agent = new Agent({ connections: buyers + 8 });
  const rounds: RoundSummary[] = [];
  try {
    for (const n of instanceCounts) rounds.push(await boxofficeRound(n, agent));
    if (values.baseline === 'monolith') rounds.push(await monolithRound(agent));
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
