import { performance } from 'node:perf_hooks';
import { type Measurement, type Timeline, measure } from '../../bench/read/measure';
import { type ReadStack, startReadStack } from '../../bench/read/stack';
import { sharedPoolMax } from '../../stack/connection-budget';
import { warmUp } from './warm-up';
import { alternate, medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const rps = (m: Measurement) => m.requestsPerSecond;

/** What the kill did to the run: failed requests, and how long until answers came as before. */
export interface Recovery {
  failed: number;
  /** From the kill to the end of the last window with a failure or under half the usual answers. */
  recoveredMs: number;
  /** The fewest answers in a window after the kill, as a share of the median window before it. */
  lowestShare: number;
}

/**
 * Reads a run's timeline around a kill at `killedAt` (performance.now()). A window counts as
 * disturbed when a request in it failed or it answered under half the median window before the
 * kill; the last, partial window of the run is left out.
 */
export function recoveryOf(timeline: Timeline, killedAt: number): Recovery {
  const { windows, windowMs, startedAt } = timeline;
  const killWindow = Math.floor((killedAt - startedAt) / windowMs);
  const before = windows
    .slice(1, killWindow)
    .map((w) => w.ok)
    .sort((a, b) => a - b);
  const usual = before[Math.floor(before.length / 2)] ?? 0;
  const after = windows.slice(killWindow, windows.length - 1);
  let lastDisturbed = -1;
  after.forEach((w, i) => {
    if (w.failed > 0 || w.ok < usual / 2) lastDisturbed = i;
  });
  return {
    failed: windows.reduce((n, w) => n + w.failed, 0),
    recoveredMs:
      lastDisturbed < 0 ? 0 : Math.max(0, startedAt + (killWindow + lastDisturbed + 1) * windowMs - killedAt),
    lowestShare: usual > 0 && after.length > 0 ? Math.min(...after.map((w) => w.ok)) / usual : NaN,
  };
}

/** The paragraph, from the alternating rounds and the run in which an instance was killed. */
export function describeWorkers(
  one: Measurement[],
  two: Measurement[],
  ratio: number,
  killed: Measurement,
  recovery: Recovery,
): string {
  return (
    `With two instances of every service behind the gateway, the cached event page ran at ${times(ratio)} the requests per second of one instance ` +
    `(${fig(medianOf(two, rps))} against ${fig(medianOf(one, rps))} req/s). ` +
    byDirection(ratio, {
      higher:
        'The second instance added throughput even on these shared cores: one process alone was not using them all. ',
      same: 'A second instance added nothing on this machine: both share the same cores, and a worker scales out only onto cores of its own. ',
      lower:
        'A second instance cost throughput on this machine: both share the same cores, so it only added its own overhead; a worker scales out onto cores of its own. ',
    }) +
    (killed.failures === 0
      ? `When one events instance was killed mid-run, not one of ${killed.requests} requests failed: the requests in flight on it were sent again to the other instance (reads may run twice), and new ones skipped it. `
      : `When one events instance was killed mid-run, ${killed.failures} of ${killed.requests} requests failed (those the gateway could not send again elsewhere); the rest went to the other instance. `) +
    (recovery.recoveredMs === 0
      ? `No 100 ms window after the kill answered under half the usual (the fewest: ${fig(recovery.lowestShare * 100)} %): there was nothing to recover from.`
      : `Answers were back to at least half their usual rate, with no failure, ${fig(recovery.recoveredMs)} ms after the kill (the worst 100 ms window answered ${fig(recovery.lowestShare * 100)} % of the usual).`)
  );
}

/** Runs `measure` at the stack's cached event page, with no CPU accounting (two stacks share the cores). */
const eventUrl = (read: ReadStack) => `${read.stack.gatewayUrl}/api/events/${read.eventId}`;

function readEvent(
  read: ReadStack,
  size: { seconds: number; connections: number },
  windowMs?: number,
): Promise<Measurement> {
  return measure(eventUrl(read), {
    ...size,
    watch: { processes: {} },
    idle: {},
    ...(windowMs ? { windowMs } : {}),
  });
}

export const workers = defineExperiment({
  name: 'workers',
  idea: 'a load balancer in front of stateless workers: add one, lose one',
  implementedIn: 'gateway/src/proxy/upstream.ts',
  question:
    'What does a second instance of every service add on this machine, and what happens when one is killed under load?',
  sizes: {
    quick: { events: 5, seconds: 2, connections: 10 },
    standard: { events: 30, seconds: 5, connections: 50 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    // Both stacks stay up for every round; their pools share the Postgres server.
    const { poolMax } = await sharedPoolMax(2, 2);
    const env = { DB_POOL_MAX: String(poolMax) };
    const started: ReadStack[] = [];
    try {
      started.push(await startReadStack({ events: size.events, env, instances: 1 }));
      started.push(await startReadStack({ events: size.events, env, instances: 2 }));
      const [oneStack, twoStack] = started as [ReadStack, ReadStack];
      await warmUp([{ url: eventUrl(oneStack) }, { url: eventUrl(twoStack) }], size.connections);
      const [one, two] = (await alternate(
        [
          { label: '1 instance', run: () => readEvent(oneStack, size) },
          { label: '2 instances', run: () => readEvent(twoStack, size) },
        ],
        settings.rounds,
        settings.log,
      )) as [Measurement[], Measurement[]];
      // SIGKILL the second events instance a third of the way into one more run on two instances
      // (no supervisor restarts a private stack's process): what the gateway does with the gap.
      const victim = twoStack.stack.processes.filter((p) => p.role === 'events')[1]!;
      let killedAt = NaN;
      const timer = setTimeout(
        () => {
          killedAt = performance.now();
          victim.child.kill('SIGKILL');
        },
        (size.seconds * 1000) / 3,
      );
      settings.log(
        `killing ${victim.name} (pid ${victim.child.pid}) ${(size.seconds / 3).toFixed(1)} s into the run`,
      );
      const killed = await readEvent(twoStack, size, 100).finally(() => clearTimeout(timer));
      const recovery = recoveryOf(killed.timeline!, killedAt);
      const ratio = medianRatio(one, two, rps);
      const row = (label: string, m: Measurement[], recoveredMs: number | string = '—') => [
        label,
        medianOf(m, rps),
        medianOf(m, (x) => x.p50Ms),
        medianOf(m, (x) => x.p99Ms),
        m.reduce((n, x) => n + x.failures, 0),
        recoveredMs,
      ];
      const { windows, windowMs } = killed.timeline!;
      const seconds = (i: number) => ((i + 1) * windowMs) / 1000;
      const shown = windows.slice(0, -1); // the last window is cut short by the end of the run
      return {
        setup:
          `Two private stacks, one with one instance of each service and one with two, the gateway round-robin over them; ${size.events} events. ` +
          `autocannon at ${size.connections} connections asks for a cached event page for ${size.seconds} s per stack and round, ` +
          `${settings.rounds} rounds alternating (1, 2, then 2, 1…). Then one more run on two instances, with events-2 SIGKILLed ${(size.seconds / 3).toFixed(1)} s in.`,
        table: {
          columns: ['instances', 'req/s', 'p50 ms', 'p99 ms', 'failed requests', 'recovered in ms'],
          rows: [
            row('1 of each service', one),
            row('2 of each service', two),
            row('2, one events instance killed mid-run', [killed], recovery.recoveredMs),
          ],
        },
        chart: {
          title: 'Cached event page: requests per second by instances (median of rounds)',
          unit: 'req/s',
          bars: [
            { label: '1 instance', value: medianOf(one, rps) },
            { label: '2 instances', value: medianOf(two, rps) },
            { label: '2, one killed', value: killed.requestsPerSecond },
          ],
        },
        lines: {
          title: `The run with a kill: answers per ${windowMs} ms (events-2 killed at ${fig((killedAt - killed.timeline!.startedAt) / 1000)} s)`,
          unit: `answers per ${windowMs} ms`,
          xLabel: 'seconds into the run',
          xTicks: Array.from({ length: Math.ceil(size.seconds) + 1 }, (_, i) => i),
          series: [
            { name: 'answered 2xx', points: shown.map((w, i) => [seconds(i), w.ok]) },
            { name: 'failed', points: shown.map((w, i) => [seconds(i), w.failed]) },
          ],
        },
        paragraph: describeWorkers(one, two, ratio, killed, recovery),
        ratios: { '2/1 instances req/s': ratio },
      };
    } finally {
      for (const read of started) await read.stop();
    }
  },
});
