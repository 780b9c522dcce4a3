import {
  BACKLOG_QUEUES,
  type BacklogQueue,
  type ConsumptionOrder,
  ORDERING_BACKLOG,
  ORDERING_LOAD,
  type QueueFigures,
  SLOW_RATE,
  backlogPhase,
  orderingPhase,
} from '../../bench/bus/tradeoff-phases';
import { busTarget, cleanupTarget, runPrefix } from '../../bench/bus/targets';
import { alternate, medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** Each side's figures by round. */
export interface BusQueueRounds {
  fifo: QueueFigures[];
  newestFirst: QueueFigures[];
  finite: QueueFigures[];
  unbounded: QueueFigures[];
}

const p50 = (f: QueueFigures) => f.lag.p50Ms;
const oldest = (f: QueueFigures) => f.lag.maxMs;
const brokerBytes = (f: QueueFigures) => f.broker?.bytes ?? Number.NaN;
const kB = (bytes: number) => `${fig(bytes / 1024)} kB`;

/** The paragraph, from each side's rounds and the seconds of traffic each phase ran. */
export function describeBusQueues(r: BusQueueRounds, seconds: number): string {
  const fresh = medianRatio(r.fifo, r.newestFirst, p50);
  const tail = medianRatio(r.fifo, r.newestFirst, oldest);
  const lag = medianRatio(r.finite, r.unbounded, p50);
  const memory = medianRatio(r.finite, r.unbounded, brokerBytes);
  const m = (rounds: QueueFigures[], value: (f: QueueFigures) => number) => fig(medianOf(rounds, value));
  const refusedFinite = medianOf(r.finite, (f) => f.refused);
  return (
    `After a backlog of ${ORDERING_BACKLOG} messages, with traffic at ${ORDERING_LOAD * 100} % of what the consumer handles, ` +
    `newest-first's median lag was ${times(fresh)} FIFO's (${m(r.newestFirst, p50)} against ${m(r.fifo, p50)} ms): ` +
    byDirection(fresh, {
      lower: 'taking the newest message first kept most messages fresh, ',
      higher:
        'newest-first left the median message older than FIFO did, the other way from what it is for (the backlog it leaves for last was most of what was sent in so short a run), ',
      same: 'the order made no difference to the median message in this run, ',
    }) +
    `and its oldest message waited ${m(r.newestFirst, oldest)} ms against FIFO's ${m(r.fifo, oldest)} ms (${times(tail)}): ` +
    byDirection(tail, {
      higher: 'the backlog waits behind everything newer, the price of serving the newest first. ',
      same: 'about as long either way, since both orders leave the same work undone and differ only in which messages wait. ',
      lower:
        'FIFO kept a message waiting longer, which newest-first should not allow: the machine, not the order, decided it here. ',
    }) +
    `When the traffic stopped, ${m(r.fifo, (f) => f.unserved)} (FIFO) and ${m(r.newestFirst, (f) => f.unserved)} (newest-first) ` +
    `of about ${m(r.fifo, (f) => f.sent)} messages were still waiting: the consumer does the same work either way; FIFO leaves the newest waiting, newest-first the oldest. ` +
    `At twice what the consumer handles for ${seconds} s, the finite topic (capacity ${BACKLOG_QUEUES.finite}) refused ` +
    `${fig(refusedFinite)} of ${m(r.finite, (f) => f.sent)} sends` +
    (refusedFinite === 0 ? ' (none: it never filled in this run)' : '') +
    ` and the unbounded one ${m(r.unbounded, (f) => f.refused)}. The unbounded topic's median lag was ${times(lag)} the finite one's ` +
    `(${m(r.unbounded, p50)} against ${m(r.finite, p50)} ms; in the last second ${m(r.unbounded, (f) => f.lastSecondP50Ms ?? Number.NaN)} against ` +
    `${m(r.finite, (f) => f.lastSecondP50Ms ?? Number.NaN)} ms), ` +
    byDirection(lag, {
      higher: "since what it accepts beyond the consumer's pace waits in line; ",
      same: 'about the same: the overload did not last long enough to build a longer line than the finite capacity, ',
      lower: 'lower, the other way from what a longer line should give, ',
    }) +
    `at the end the broker held ${times(memory)} the finite topic's memory for it (${kB(medianOf(r.unbounded, brokerBytes))} against ` +
    `${kB(medianOf(r.finite, brokerBytes))}, ${m(r.unbounded, (f) => f.broker?.messages ?? Number.NaN)} against ` +
    `${m(r.finite, (f) => f.broker?.messages ?? Number.NaN)} messages): ` +
    byDirection(memory, {
      higher:
        'an unbounded queue takes every send and lets lag and memory grow with the overload, a finite one refuses sends and holds both flat.',
      same: 'memory was about the same either way in this run, so the finite capacity was not what held it.',
      lower: 'the unbounded topic held less, the other way from what taking every send should give.',
    })
  );
}

export const busQueues = defineExperiment({
  name: 'bus-queues',
  idea: 'a message bus under more traffic than its consumer handles: consumption order and queue bounds',
  implementedIn: 'shared/bus/src/',
  question:
    'Under a backlog, what does taking the newest message first do to lag against FIFO; under overload, what does a finite queue do against an unbounded one?',
  sizes: {
    quick: { seconds: 1 },
    standard: { seconds: 3 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const run = runPrefix();
    /** A side that runs one phase on Redis under names of its own, removed after it. */
    const side = (label: string, phase: (target: ReturnType<typeof busTarget>) => Promise<QueueFigures>) => ({
      label,
      run: async (round: number) => {
        const target = busTarget('redis', `${run}_${label}_r${round}`);
        try {
          const figures = await phase(target);
          settings.log(`${label}: ${JSON.stringify(figures)}`);
          return figures;
        } finally {
          await cleanupTarget(target);
        }
      },
    });
    const ordering = (order: ConsumptionOrder) => side(order, (t) => orderingPhase(t, size, order));
    const backlog = (queue: BacklogQueue) => side(queue, (t) => backlogPhase(t, size, queue));
    const [fifo, newestFirst] = (await alternate(
      [ordering('FIFO'), ordering('newest-first')],
      settings.rounds,
      settings.log,
    )) as [QueueFigures[], QueueFigures[]];
    const [finite, unbounded] = (await alternate(
      [backlog('finite'), backlog('unbounded')],
      settings.rounds,
      settings.log,
    )) as [QueueFigures[], QueueFigures[]];
    const r: BusQueueRounds = { fifo, newestFirst, finite, unbounded };
    const row = (label: string, rounds: QueueFigures[]) => [
      label,
      medianOf(rounds, (f) => f.sent),
      medianOf(rounds, (f) => f.refused),
      medianOf(rounds, (f) => f.unserved),
      medianOf(rounds, p50),
      medianOf(rounds, (f) => f.lag.p90Ms),
      medianOf(rounds, (f) => f.lag.p99Ms),
      medianOf(rounds, oldest),
      rounds[0]?.broker
        ? `${fig(medianOf(rounds, (f) => f.broker!.messages))} msgs, ${kB(medianOf(rounds, brokerBytes))}`
        : '— (in the consumer)',
    ];
    const rows = [
      row('FIFO after a backlog', fifo),
      row('newest-first after a backlog', newestFirst),
      row(`finite topic (capacity ${BACKLOG_QUEUES.finite}), overloaded`, finite),
      row('unbounded topic, overloaded', unbounded),
    ];
    const bars = (
      [
        ['FIFO', fifo],
        ['newest-first', newestFirst],
        ['finite', finite],
        ['unbounded', unbounded],
      ] as const
    ).flatMap(([label, rounds]) => [
      { label: `${label}, median`, value: medianOf(rounds, p50) },
      { label: `${label}, oldest`, value: medianOf(rounds, oldest) },
    ]);
    return {
      setup:
        `The bus alone (no stack) on the local Redis, names under a fresh prefix removed after each phase; one consumer that handles ` +
        `${SLOW_RATE} messages/s. Ordering: ${ORDERING_BACKLOG} messages at once, then ${ORDERING_LOAD * SLOW_RATE}/s for ${size.seconds} s; ` +
        `the consumer buffers what the bus delivers (oldest first, the only order a Redis consumer group or a RabbitMQ queue offers) ` +
        `and its worker takes the oldest (FIFO) or the newest; what still waits at the end counts with its age then. ` +
        `Overload: ${2 * SLOW_RATE}/s for ${size.seconds} s into a topic of capacity ${BACKLOG_QUEUES.finite} (one second of the consumer's work) ` +
        `and into an unbounded one; lag counts what was handled, the broker's figures are the topic's streams at the end (MEMORY USAGE, XLEN). ` +
        `Lag is from publish to the worker taking the message. ${settings.rounds} rounds alternating within each pair (FIFO, newest-first, then newest-first, FIFO…): ` +
        `the backlog and ordering phases of npm run bench:bus. RabbitMQ is left out: its broker figures need rabbitmqctl, seconds per call.`,
      table: {
        columns: [
          'queue',
          'sent',
          'refused',
          'waiting at the end',
          'lag p50 ms',
          'lag p90 ms',
          'lag p99 ms',
          'lag max ms',
          'broker holds at the end',
        ],
        rows,
      },
      chart: {
        title: 'Lag from publish to handling: the median message and the oldest (median of rounds)',
        unit: 'ms',
        bars,
      },
      paragraph: describeBusQueues(r, size.seconds),
      ratios: {
        'newest-first/FIFO lag p50': medianRatio(fifo, newestFirst, p50),
        'newest-first/FIFO lag max': medianRatio(fifo, newestFirst, oldest),
        'unbounded/finite lag p50': medianRatio(finite, unbounded, p50),
        'unbounded/finite broker bytes': medianRatio(finite, unbounded, brokerBytes),
      },
    };
  },
});
