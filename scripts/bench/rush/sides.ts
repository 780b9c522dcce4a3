/**
 * The two sides `npm run bench:rush` rushes, each started once and rushed as many times as its
 * caller asks: Boxoffice (a private stack) and the one-process monolith. `bench:rush` runs one
 * round per side; the lab alternates rounds between them on stacks that stay up.
 */
import { loadavg } from 'node:os';
import { Agent, request } from 'undici';
import { newId } from '@boxoffice/platform';
import { encodeSession, newSession } from '@boxoffice/gateway';
import { clusterCpuDelta, cpuDelta, cpuSeconds, postgresCpuByPid } from '../process-cpu';
import { checkInvariantsWhenQuiet } from '../../lib/invariants';
import { writeResultFiles } from '../../load/result-files';
import { inheritedEnv } from '../../stack/processes';
import { startStack } from '../../stack/start-stack';
import { busLag } from './bus-lag';
import { RushOutcome, createRushEvent, rush } from './client';
import { startMonolith } from './monolith-stack';
import { rushResult } from './result';

const BENCH_SESSION_KEY = 'bench-session-key-0123456789abcdef-0123456789';

/** How big one round is, where its report goes and where its lines are printed. */
export interface RushSettings {
  buyers: number;
  seats: number;
  seconds: number;
  /** Seats of the unmeasured warm-up event sold first (0: none). */
  warmupSeats: number;
  /** Where each round's JSON + HTML report goes. */
  out: string;
  log: (line: string) => void;
}

/** What a round reports for the summary: its figures and whether it passed. */
export interface RoundSummary {
  label: string;
  outcome: RushOutcome;
  oversold: number;
  violations: number;
  cpuPerOrderMs: Record<string, number>;
}

/** A side, started: `round` rushes a new event on it, `stop` stops it and removes its data. */
export interface RushSide {
  label: string;
  round(settings: RushSettings): Promise<RoundSummary>;
  stop(): Promise<void>;
  /** The side's own processes as they run now (name, pid, URL), e.g. to pin them to cores. */
  processes(): { name: string; pid: number; url: string }[];
}

function cookieFor(userId: string): string {
  return `sid=${encodeSession(newSession(userId, 3600), [BENCH_SESSION_KEY])}`;
}

/** CPU snapshot of the given processes, the bench itself and the Postgres cluster (the bench has it to itself). */
async function cpuSnapshot(processes: { name: string; pid: number }[], pgUrl: string) {
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

function printRound(
  label: string,
  o: RushOutcome,
  cpuPerOrderMs: Record<string, number>,
  log: RushSettings['log'],
) {
  const l = o.recorder.latency();
  log(`\n[${label}]`);
  log(
    `confirmed orders   ${o.counts.confirmed} in ${o.elapsedSeconds.toFixed(2)} s = ${o.confirmedPerSecond.toFixed(0)} confirmed/s`,
  );
  log(
    `other answers      ${o.counts.rejected} rejected (409), ${o.counts.pending} pending (202), ${o.counts.errors} errors`,
  );
  log(`time to outcome    p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`);
  log(`CPU ms per order   ${formatMs(cpuPerOrderMs)}`);
}

function perOrder(delta: Record<string, number>, confirmed: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(delta).map(([name, s]) => [name, (1000 * s) / Math.max(1, confirmed)]),
  );
}

/** The unmeasured warm-up: the same buyers sell out an event of `warmupSeats` first. */
async function warmUp(baseUrl: string, agent: Agent, s: RushSettings): Promise<void> {
  if (s.warmupSeats === 0) return;
  const eventId = await createRushEvent(baseUrl, cookieFor(newId()), s.warmupSeats);
  const o = await rush({ baseUrl, eventId, buyers: s.buyers, seconds: s.seconds, cookieFor, agent });
  s.log(`warm-up            ${o.counts.confirmed} of ${s.warmupSeats} seats sold (not measured)`);
}

/** One measured rush at `baseUrl`: the outcome, CPU ms per confirmed order, when and under what load. */
async function measuredRush(
  label: string,
  baseUrl: string,
  eventId: string,
  processes: { name: string; pid: number }[],
  agent: Agent,
  pgUrl: string,
  s: RushSettings,
) {
  await warmUp(baseUrl, agent, s);
  // Idle first: pollers, leases and relays cost CPU with no traffic at all, which at a few
  // orders a second would be most of the "per order" figure. Printed, not subtracted.
  const idleStart = await cpuSnapshot(processes, pgUrl);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idle = snapshotDelta(idleStart, await cpuSnapshot(processes, pgUrl));
  const idleMsPerSecond = Object.fromEntries(
    Object.entries(idle).map(([name, sec]) => [name, (1000 * sec) / IDLE_SECONDS]),
  );
  const loadAverageBefore = loadavg();
  const startedAt = new Date();
  const cpuBefore = await cpuSnapshot(processes, pgUrl);
  const outcome = await rush({ baseUrl, eventId, buyers: s.buyers, seconds: s.seconds, cookieFor, agent });
  const cpuPerOrderMs = perOrder(
    snapshotDelta(cpuBefore, await cpuSnapshot(processes, pgUrl)),
    outcome.counts.confirmed,
  );
  printRound(label, outcome, cpuPerOrderMs, s.log);
  s.log(`CPU ms/s when idle ${formatMs(idleMsPerSecond)}`);
  return { outcome, cpuPerOrderMs, idleMsPerSecond, startedAt, loadAverageBefore };
}

/** Writes a round's JSON + HTML report and prints where. */
function writeRound(
  label: string,
  target: string,
  measured: Awaited<ReturnType<typeof measuredRush>>,
  violations: string[],
  notes: string[],
  s: RushSettings,
): void {
  const rounded = (byName: Record<string, number>) =>
    JSON.stringify(byName, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v));
  const files = writeResultFiles(
    rushResult({
      label,
      target,
      startedAt: measured.startedAt,
      buyers: s.buyers,
      seconds: s.seconds,
      loadAverageBefore: measured.loadAverageBefore,
      outcome: measured.outcome,
      violations,
      notes: [
        ...notes,
        `CPU ms per confirmed order: ${rounded(measured.cpuPerOrderMs)}`,
        `CPU ms per second when idle (before the rush): ${rounded(measured.idleMsPerSecond)}`,
      ],
    }),
    s.out,
  );
  s.log(`report             ${files.html}`);
}

/** A private stack with `instances` of each service, its sessions signed with the bench's key. */
export async function startBoxofficeSide(
  instances: number,
  agent: Agent,
  pgUrl: string,
  log: RushSettings['log'],
  env: Record<string, string> = {},
): Promise<RushSide> {
  const label = instances === 1 ? 'boxoffice' : `boxoffice-${instances}x`;
  log(`starting a private stack (${instances} instance(s) of each service)…`);
  const stack = await startStack({ env: { ...env, SESSION_KEYS: BENCH_SESSION_KEY }, instances });
  const round = async (s: RushSettings): Promise<RoundSummary> => {
    const eventId = await createRushEvent(stack.gatewayUrl, cookieFor(newId()), s.seats);
    s.log(`${s.buyers} buyers rushing ${s.seats} seats of event ${eventId} (at most ${s.seconds} s)…`);
    const processes = stack.processes.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 }));
    const measured = await measuredRush(label, stack.gatewayUrl, eventId, processes, agent, pgUrl, s);
    const lag: string[] = [];
    for (const p of stack.processes.filter((p) => p.role !== 'gateway'))
      for (const line of await busLag(p.url, agent)) lag.push(`bus lag ${p.name}: ${line}`);
    for (const line of lag) s.log(`  ${line}`);
    const report = await checkInvariantsWhenQuiet(stack.topology, 30_000);
    const event = await request(`${stack.gatewayUrl}/api/events/${eventId}`, { dispatcher: agent });
    const { seatsSold } = (await event.body.json()) as { seatsSold: number };
    const oversold = Math.max(0, seatsSold - s.seats);
    s.log(`seats sold         ${seatsSold} of ${s.seats}${oversold ? '  OVERSOLD' : ''}`);
    s.log(
      report.violations.length === 0
        ? 'invariants         hold (every order settled, no seat lost or oversold)'
        : `invariants         ${report.violations.length} VIOLATIONS`,
    );
    const violations = report.violations.map((v) => `${v.invariant}: ${v.detail} ${JSON.stringify(v.ids)}`);
    for (const v of violations.slice(0, 10)) s.log(`  ${v}`);
    writeRound(
      label,
      stack.gatewayUrl,
      measured,
      violations,
      [
        `${instances} instance(s) of each service; ${seatsSold} of ${s.seats} seats sold, oversold ${oversold}`,
        ...lag,
      ],
      s,
    );
    return { label, ...measured, oversold, violations: report.violations.length };
  };
  const processes = () => stack.processes.map((p) => ({ name: p.name, pid: p.child.pid ?? 0, url: p.url }));
  return { label, round, stop: () => stack.stop(), processes };
}

/** The one-process Express + pg app on a database of its own on `pgUrl`'s server. */
export async function startMonolithSide(
  pgUrl: string,
  agent: Agent,
  log: RushSettings['log'],
): Promise<RushSide> {
  log(`\nstarting the monolith baseline (one Express + pg process, its own database)…`);
  const monolith = await startMonolith(pgUrl, { ...inheritedEnv(), SESSION_KEYS: BENCH_SESSION_KEY });
  const round = async (s: RushSettings): Promise<RoundSummary> => {
    const eventId = await createRushEvent(monolith.url, cookieFor(newId()), s.seats);
    const procs = [{ name: 'monolith', pid: monolith.process.child.pid ?? 0 }];
    const measured = await measuredRush('monolith', monolith.url, eventId, procs, agent, pgUrl, s);
    const facts = await monolith.facts(eventId);
    const oversold = Math.max(0, facts.seatsSold - s.seats);
    const violations = [
      ...(facts.seatsSold > facts.capacity ? [`oversold: ${facts.seatsSold} of ${facts.capacity}`] : []),
      ...(facts.byStatus.confirmed !== facts.seatsSold
        ? [`confirmed orders ${facts.byStatus.confirmed ?? 0} ≠ seats sold ${facts.seatsSold}`]
        : []),
    ];
    s.log(`seats sold         ${facts.seatsSold} of ${s.seats}${oversold ? '  OVERSOLD' : ''}`);
    s.log(`orders             ${JSON.stringify(facts.byStatus)} (settled when written: one statement)`);
    writeRound(
      'monolith',
      monolith.url,
      measured,
      violations,
      [
        `${facts.seatsSold} of ${s.seats} seats sold, oversold ${oversold}; orders ${JSON.stringify(facts.byStatus)}`,
      ],
      s,
    );
    return { label: 'monolith', ...measured, oversold, violations: violations.length };
  };
  const processes = () => [{ name: 'monolith', pid: monolith.process.child.pid ?? 0, url: monolith.url }];
  return { label: 'monolith', round, stop: () => monolith.stop(), processes };
}
