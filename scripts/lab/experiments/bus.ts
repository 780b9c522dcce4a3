import type { Backend, BenchSettings, PhaseResult, ThroughputFigures } from '../../bench/bus/bench-support';
import { atLeastOncePhases, atMostOncePhases } from '../../bench/bus/throughput-phases';
import { AWAY_MS, restartPhases } from '../../bench/bus/tradeoff-phases';
import { busTarget, cleanupTarget, runPrefix } from '../../bench/bus/targets';
import { alternate, medianOf, medianRatio, roundOrder } from '../alternate';
import type { Experiment, ExperimentFigures } from '../experiment';
import { byDirection, fig, times } from '../wording';

const DELIVERIES = [
  { name: 'at-least-once', phases: atLeastOncePhases },
  { name: 'at-most-once', phases: atMostOncePhases },
] as const;
type Delivery = (typeof DELIVERIES)[number]['name'];

/** One backend's round: each delivery's flood and paced figures, and what it lost while the subscriber was away. */
export type BusRound = Record<
  Delivery,
  { flood: ThroughputFigures; paced: ThroughputFigures; away: ThroughputFigures }
>;

const flood = (d: Delivery) => (r: BusRound) => r[d].flood.perSecond;
/** At-most-once's flood rate over at-least-once's, within one backend's round. */
const deliveryRatio = (r: BusRound) => r['at-most-once'].flood.perSecond / r['at-least-once'].flood.perSecond;

/** The paragraph, from each backend's rounds. */
export function describeBus(redis: BusRound[], rabbit: BusRound[]): string {
  const backendRatio = medianRatio(redis, rabbit, flood('at-least-once'));
  const atMostOnce = medianOf(redis, deliveryRatio);
  const lost = (rounds: BusRound[], d: Delivery, phase: 'flood' | 'paced' | 'away') =>
    rounds.reduce((n, r) => n + r[d][phase].lost, 0);
  const sent = (rounds: BusRound[], d: Delivery) => rounds.reduce((n, r) => n + r[d].away.sent, 0);
  const both = [...redis, ...rabbit];
  const lostAtLeastOnce = (['flood', 'paced', 'away'] as const).reduce(
    (n, p) => n + lost(both, 'at-least-once', p),
    0,
  );
  const awayAtMostOnce = lost(both, 'at-most-once', 'away');
  return (
    `Flooded with at-least-once messages, RabbitMQ handled ${times(backendRatio)} the messages per second of Redis Streams ` +
    `(${fig(medianOf(rabbit, flood('at-least-once')))} against ${fig(medianOf(redis, flood('at-least-once')))}/s): ` +
    byDirection(backendRatio, {
      higher: 'the broker was the faster backend in this run. ',
      lower: 'Redis Streams was the faster backend in this run. ',
      same: 'the two backends were about even in this run. ',
    }) +
    `On Redis, at-most-once (a broadcast, no acknowledgements) ran at ${times(atMostOnce)} the rate of at-least-once, ` +
    byDirection(atMostOnce, {
      higher: 'cheaper, as dropping the acknowledgement should make it; ',
      lower: 'dearer than at-least-once, the other way from what skipping acknowledgements should give; ',
      same: 'about the same: here the acknowledgement was not what limited the rate; ',
    }) +
    `paced, its median lag was ${fig(medianOf(redis, (r) => r['at-most-once'].paced.p50Ms))} ms against ` +
    `${fig(medianOf(redis, (r) => r['at-least-once'].paced.p50Ms))} ms. ` +
    `While the subscriber was away for ${AWAY_MS} ms, at most once lost ${awayAtMostOnce} of ${sent(both, 'at-most-once')} messages ` +
    `(Redis ${lost(redis, 'at-most-once', 'away')}, RabbitMQ ${lost(rabbit, 'at-most-once', 'away')})` +
    (awayAtMostOnce === 0
      ? ', none: nothing was sent in the gap this time, '
      : ': what is sent to nobody is gone, the price of keeping no queue, ') +
    (lostAtLeastOnce === 0
      ? `and at least once lost none of ${sent(both, 'at-least-once')}.`
      : `and at least once lost ${lostAtLeastOnce}, which that guarantee should not allow.`)
  );
}

export const bus: Experiment<Omit<BenchSettings, 'pgUrl'>> = {
  name: 'bus',
  idea: 'a message bus between services, its backends, and at-most-once against at-least-once delivery',
  implementedIn: 'shared/bus/src/',
  question:
    'How fast, and with what lag, do Redis Streams and RabbitMQ carry messages at least once and at most once?',
  sizes: {
    quick: { messages: 2000, rate: 200, seconds: 1 },
    standard: { messages: 20_000, rate: 1000, seconds: 3 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const s: BenchSettings = { ...size, pgUrl: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432' };
    const run = runPrefix();
    const side = (backend: Backend) => ({
      label: backend,
      run: async (round: number): Promise<BusRound> => {
        // Names of its own each round, removed after it: no round reads another's messages.
        const target = busTarget(backend, `${run}_r${round}`);
        const got: PhaseResult[] = [];
        const collect = (result: PhaseResult) => {
          got.push(result);
          settings.log(`${backend} ${result.phase}: ${result.summary}`);
        };
        try {
          for (const i of roundOrder(DELIVERIES.length, round))
            await DELIVERIES[i]!.phases(target, s, collect);
          await restartPhases(target, s, collect);
        } finally {
          await cleanupTarget(target);
        }
        const of = (phase: string) => {
          const figures = got.find((r) => r.phase === phase)?.figures;
          if (!figures) throw new Error(`${backend}: the phase "${phase}" reported no figures`);
          return figures;
        };
        const entry = (d: Delivery) => ({
          flood: of(`${d} flood`),
          paced: of(`${d} ${s.rate}/s`),
          away: of(`${d}, subscriber away ${AWAY_MS} ms`),
        });
        return { 'at-least-once': entry('at-least-once'), 'at-most-once': entry('at-most-once') };
      },
    });
    const [redis, rabbit] = (await alternate(
      [side('redis'), side('rabbitmq')],
      settings.rounds,
      settings.log,
    )) as [BusRound[], BusRound[]];
    const rows = (['redis', 'rabbitmq'] as const).flatMap((backend) =>
      DELIVERIES.map(({ name }) => {
        const rounds = backend === 'redis' ? redis : rabbit;
        return [
          `${backend === 'redis' ? 'Redis Streams' : 'RabbitMQ'}, ${name}`,
          medianOf(rounds, (r) => r[name].flood.perSecond),
          rounds.reduce((n, r) => n + r[name].flood.lost, 0),
          medianOf(rounds, (r) => r[name].paced.p50Ms),
          medianOf(rounds, (r) => r[name].paced.p99Ms),
          `${rounds.reduce((n, r) => n + r[name].away.lost, 0)} of ${rounds.reduce((n, r) => n + r[name].away.sent, 0)}`,
        ];
      }),
    );
    return {
      setup:
        `The bus alone (no stack), on the local Redis and RabbitMQ, names under a fresh prefix removed afterwards. ` +
        `Per backend and delivery: a flood of ${s.messages} messages (batches of 100, 8 in flight) for throughput, then ${s.rate} messages/s ` +
        `for ${s.seconds} s for lag, then the same rate while the one subscriber leaves for ${AWAY_MS} ms a third of the way in; ` +
        `${settings.rounds} rounds alternating (Redis, RabbitMQ, then RabbitMQ, Redis…): the throughput and restart phases of npm run bench:bus -- --backend redis,rabbitmq.`,
      table: {
        columns: [
          'backend, delivery',
          'flood msgs/s',
          'lost in the flood',
          `lag p50 ms at ${s.rate}/s`,
          `lag p99 ms at ${s.rate}/s`,
          `lost, subscriber away ${AWAY_MS} ms`,
        ],
        rows,
      },
      chart: {
        title: 'Bus flood: messages handled per second (median of rounds)',
        unit: 'msgs/s',
        bars: rows.map((r) => ({
          label: String(r[0]).replace('Redis Streams', 'Redis'),
          value: Number(r[1]),
        })),
      },
      paragraph: describeBus(redis, rabbit),
      ratios: {
        'rabbitmq/redis at-least-once': medianRatio(redis, rabbit, flood('at-least-once')),
        'at-most-once/at-least-once on redis': medianOf(redis, deliveryRatio),
      },
    };
  },
};
