import { join } from 'node:path';
import { Agent } from 'undici';
import { RoundSummary, RushSide, startBoxofficeSide, startMonolithSide } from '../../bench/rush/sides';
import { alternate, medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const confirmed = (r: RoundSummary) => r.outcome.confirmedPerSecond;
/** CPU ms per confirmed order of every process but the bench's own client. */
const cpuPerOrder = (r: RoundSummary) =>
  Object.entries(r.cpuPerOrderMs)
    .filter(([name]) => name !== 'bench')
    .reduce((sum, [, ms]) => sum + ms, 0);

/** The paragraph, from both sides' rounds and the ratio of their confirmed orders/s. */
export function describeRush(boxoffice: RoundSummary[], monolith: RoundSummary[], ratio: number): string {
  const wrong = [...boxoffice, ...monolith].reduce((n, r) => n + r.oversold + r.violations, 0);
  return (
    `On the same hot event, the whole system confirmed ${fig(medianOf(boxoffice, confirmed))} orders/s and the one-process monolith ` +
    `${fig(medianOf(monolith, confirmed))}: ${times(ratio)}. ` +
    byDirection(ratio, {
      lower:
        'Slower, as the talk warns: a purchase crosses the gateway, two services and the bus, and every hop costs CPU on the same two cores ' +
        `(${fig(medianOf(boxoffice, cpuPerOrder))} against ${fig(medianOf(monolith, cpuPerOrder))} ms of CPU per order). `,
      same:
        'About as fast, even on one machine: its batched saga (one commit per batch) paid for its extra hops ' +
        `(${fig(medianOf(boxoffice, cpuPerOrder))} against ${fig(medianOf(monolith, cpuPerOrder))} ms of CPU per order). `,
      higher:
        'Faster even on one machine, which the talk does not promise: batching (one commit per batch, not per order) outweighed the extra hops here ' +
        `(${fig(medianOf(boxoffice, cpuPerOrder))} against ${fig(medianOf(monolith, cpuPerOrder))} ms of CPU per order). `,
    }) +
    'What the design buys, each part on machines of its own, is beyond one machine; this shows only its price. ' +
    (wrong === 0
      ? 'No seat was oversold and every purchase invariant held on both sides.'
      : `${wrong} oversold seats or broken invariants were found: the figures are not to be trusted.`)
  );
}

export const rushMonolith = defineExperiment({
  name: 'rush-monolith',
  idea: '"slower, but scales further": the distributed system against one process',
  implementedIn: 'services/tickets/src/messages.ts',
  question:
    'On one hot event, how many orders per second does the whole system confirm against a one-process monolith?',
  sizes: {
    quick: { buyers: 10, seats: 100, warmupSeats: 50, seconds: 10 },
    standard: { buyers: 100, seats: 1500, warmupSeats: 1500, seconds: 30 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const pgUrl = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
    const agent = new Agent({ connections: size.buyers + 8 });
    const started: RushSide[] = [];
    try {
      started.push(await startBoxofficeSide(1, agent, pgUrl, settings.log));
      started.push(await startMonolithSide(pgUrl, agent, settings.log));
      const sides = started.map((side) => ({
        label: side.label,
        // Each side warms up before its first round only: later rounds find it warm.
        run: (round: number) =>
          side.round({
            ...size,
            warmupSeats: round === 0 ? size.warmupSeats : 0,
            out: join(settings.workDir, 'rush'),
            log: settings.log,
          }),
      }));
      const [boxoffice, monolith] = (await alternate(sides, settings.rounds, settings.log)) as [
        RoundSummary[],
        RoundSummary[],
      ];
      const ratio = medianRatio(monolith, boxoffice, confirmed);
      const row = (label: string, rounds: RoundSummary[]) => [
        label,
        medianOf(rounds, confirmed),
        medianOf(rounds, (r) => r.outcome.recorder.latency().p50),
        medianOf(rounds, (r) => r.outcome.recorder.latency().p99),
        medianOf(rounds, cpuPerOrder),
        rounds.reduce((n, r) => n + r.oversold, 0),
        rounds.reduce((n, r) => n + r.violations, 0),
      ];
      return {
        setup:
          `A private stack (gateway, one instance of each service, the bus on ${process.env.BUS_URL?.startsWith('amqp') ? 'RabbitMQ' : 'Redis Streams'}) and the one-process ` +
          `Express + pg monolith, both up for the whole experiment. ${size.buyers} buyers order one seat at a time until ${size.seats} seats ` +
          `of a new event sell out (at most ${size.seconds} s), after an unmeasured warm-up of ${size.warmupSeats} seats; ` +
          `${settings.rounds} rounds alternating (system, monolith, then monolith, system…), as npm run bench:rush -- --baseline monolith does once.`,
        table: {
          columns: [
            'side',
            'confirmed/s',
            'p50 ms',
            'p99 ms',
            'CPU ms/order',
            'oversold',
            'invariant violations',
          ],
          rows: [row('monolith (one process)', monolith), row('the whole system', boxoffice)],
        },
        chart: {
          title: 'Hot-event rush: confirmed orders per second (median of rounds)',
          unit: 'orders/s',
          bars: [
            { label: 'monolith', value: medianOf(monolith, confirmed) },
            { label: 'the whole system', value: medianOf(boxoffice, confirmed) },
          ],
        },
        paragraph: describeRush(boxoffice, monolith, ratio),
        ratios: { 'system/monolith': ratio },
      };
    } finally {
      for (const side of started) await side.stop();
      await agent.close();
    }
  },
});
