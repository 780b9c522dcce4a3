import { type Measurement, measure } from '../../bench/read/measure';
import { type ReadStack, startReadStack } from '../../bench/read/stack';
import { sharedPoolMax } from '../../stack/connection-budget';
import { warmUp } from './warm-up';
import { alternate, medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const rps = (m: Measurement) => m.requestsPerSecond;

/** The paragraph, from the alternating rounds and the run in which an instance was killed. */
export function describeWorkers(
  one: Measurement[],
  two: Measurement[],
  ratio: number,
  killed: Measurement,
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
      ? `When one events instance was killed mid-run, not one of ${killed.requests} requests failed: the gateway skipped the dead instance and sent its requests to the other.`
      : `When one events instance was killed mid-run, ${killed.failures} of ${killed.requests} requests failed (those in flight on it, or sent before the gateway learned it was gone); the rest went to the other instance.`)
  );
}

/** Runs `measure` at the stack's cached event page, with no CPU accounting (two stacks share the cores). */
const eventUrl = (read: ReadStack) => `${read.stack.gatewayUrl}/api/events/${read.eventId}`;

function readEvent(read: ReadStack, size: { seconds: number; connections: number }): Promise<Measurement> {
  return measure(eventUrl(read), {
    ...size,
    watch: { processes: {} },
    idle: {},
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
      const timer = setTimeout(() => victim.child.kill('SIGKILL'), (size.seconds * 1000) / 3);
      settings.log(
        `killing ${victim.name} (pid ${victim.child.pid}) ${(size.seconds / 3).toFixed(1)} s into the run`,
      );
      const killed = await readEvent(twoStack, size).finally(() => clearTimeout(timer));
      const ratio = medianRatio(one, two, rps);
      const row = (label: string, m: Measurement[]) => [
        label,
        medianOf(m, rps),
        medianOf(m, (x) => x.p50Ms),
        medianOf(m, (x) => x.p99Ms),
        m.reduce((n, x) => n + x.failures, 0),
      ];
      return {
        setup:
          `Two private stacks, one with one instance of each service and one with two, the gateway round-robin over them; ${size.events} events. ` +
          `autocannon at ${size.connections} connections asks for a cached event page for ${size.seconds} s per stack and round, ` +
          `${settings.rounds} rounds alternating (1, 2, then 2, 1…). Then one more run on two instances, with events-2 SIGKILLed ${(size.seconds / 3).toFixed(1)} s in.`,
        table: {
          columns: ['instances', 'req/s', 'p50 ms', 'p99 ms', 'failed requests'],
          rows: [
            row('1 of each service', one),
            row('2 of each service', two),
            row('2, one events instance killed mid-run', [killed]),
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
        paragraph: describeWorkers(one, two, ratio, killed),
        ratios: { '2/1 instances req/s': ratio },
      };
    } finally {
      for (const read of started) await read.stop();
    }
  },
});
