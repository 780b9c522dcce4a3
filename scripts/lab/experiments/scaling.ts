import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import {
  type SeatBatchTotals,
  monolithSerialLimit,
  pin,
  sagaSerialLimit,
  seatBatchTotals,
  startPinnedServers,
} from '../../bench/scaling/pinned-servers';
import { cpuSeconds } from '../../bench/process-cpu';
import {
  type RoundSummary,
  type RushSide,
  startBoxofficeSide,
  startMonolithSide,
} from '../../bench/rush/sides';
import { roundOrder } from '../alternate';
import { median } from '../../bench/read/measure';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** The core counts this machine can measure, as taskset CPU lists. */
const CONFIGS = [
  { cores: 1, cpus: '0', client: '1' },
  { cores: 2, cpus: '0,1', client: '0,1' },
] as const;
/** Core counts the model is drawn for. */
const MODEL_CORES = [1, 2, 4, 8, 16, 32];

export interface SideFigures {
  /** Confirmed orders/s by core count (median of rounds). */
  measured: Record<number, number>;
  /** CPU ms per confirmed order of the side's servers (its processes, Postgres, Redis), median. */
  cpuMsPerOrder: number;
  /** CPU ms per confirmed order of the load generator, median. */
  clientMsPerOrder: number;
  /** The most orders/s one event can be sold at, whatever the cores. */
  serialLimit: number;
}

/** Throughput the model gives `cores` cores: the CPU they offer, or the hot row's limit. */
export function modelled(side: Pick<SideFigures, 'cpuMsPerOrder' | 'serialLimit'>, cores: number): number {
  return Math.min((cores * 1000) / side.cpuMsPerOrder, side.serialLimit);
}

/**
 * What the model predicts for a configuration this machine measured: on 1 core the load generator
 * ran on the other core; on 2 it shared them, so its CPU per order counts against the budget.
 */
export function predictedForMeasured(side: SideFigures, cores: number): number {
  const client = cores === 1 ? 0 : side.clientMsPerOrder;
  return Math.min((cores * 1000) / (side.cpuMsPerOrder + client), side.serialLimit);
}

/** The fewest cores (up to 1024) at which the model has the system ahead, or undefined. */
export function crossing(system: SideFigures, monolith: SideFigures): number | undefined {
  for (let cores = 1; cores <= 1024; cores++) {
    if (modelled(system, cores) > modelled(monolith, cores)) return cores;
  }
  return undefined;
}

const pct = (predicted: number, measured: number) =>
  `${predicted >= measured ? '+' : ''}${fig((100 * (predicted - measured)) / measured)} %`;

/** The paragraph, from this run's figures only. */
export function describeScaling(system: SideFigures, monolith: SideFigures): string {
  const gain = (s: SideFigures) => s.measured[2]! / s.measured[1]!;
  const cross = crossing(system, monolith);
  const cpuRatio = system.cpuMsPerOrder / monolith.cpuMsPerOrder;
  return [
    `With one core the whole system confirmed ${fig(system.measured[1]!)} orders/s and the monolith ${fig(monolith.measured[1]!)}; ` +
      `with two, ${fig(system.measured[2]!)} and ${fig(monolith.measured[2]!)}. ` +
      `The second core gave the system ${times(gain(system))} and the monolith ${times(gain(monolith))}.`,
    `Per order the system's processes spent ${fig(system.cpuMsPerOrder)} ms of CPU and the monolith's ${fig(monolith.cpuMsPerOrder)} (${times(cpuRatio)}): ` +
      byDirection(cpuRatio, {
        higher: 'the price of the hops, paid on every core.',
        same: 'about the same, so the hops cost little next to the work.',
        lower:
          'less than the monolith, against the talk’s expectation: batching saved more than the hops cost.',
      }),
    `The hot event's row is the part no core can share: the monolith holds it for each order (at most ${fig(monolith.serialLimit)} orders/s, one connection selling back to back), ` +
      `the saga for each batch (${fig(system.serialLimit)} orders/s from this run's batches). ` +
      byDirection(system.serialLimit / monolith.serialLimit, {
        higher: 'Batching raises the ceiling: that is what lets the design go further.',
        same: 'The two ceilings are about level here.',
        lower:
          "Here the saga's ceiling is the lower one: its batches held the row longer per order than the monolith's statement.",
      }),
    cross === undefined
      ? 'The model (cores × what a core sells, up to the ceiling) finds no core count up to 1,024 at which the system overtakes the monolith: on these figures the claim is not shown.'
      : cross === 1
        ? 'The model (cores × what a core sells, up to the ceiling) has the system ahead from one core already.'
        : `The model (cores × what a core sells, up to the ceiling) has the system ahead from ${cross} cores on: the monolith stops at its ceiling while the system keeps gaining.`,
    `Checked against the points measured here, the model is off by ${pct(predictedForMeasured(system, 1), system.measured[1]!)} and ${pct(predictedForMeasured(system, 2), system.measured[2]!)} for the system, ` +
      `${pct(predictedForMeasured(monolith, 1), monolith.measured[1]!)} and ${pct(predictedForMeasured(monolith, 2), monolith.measured[2]!)} for the monolith (1 and 2 cores). ` +
      'It assumes CPU per order stays as measured when cores are added, the ceilings hold as measured, and nothing else (network, disk) limits; beyond two cores it is a model, not a measurement.',
  ].join(' ');
}

interface Round {
  summary: RoundSummary;
  /** CPU ms per order of the experiment's own Redis (the side's bus and cache). */
  redisMsPerOrder: number;
  /** The saga's serial limit in this round (system only). */
  serialLimit?: number;
}

const confirmed = (r: Round) => r.summary.outcome.confirmedPerSecond;
/** Servers' CPU per order: every process but the load generator, plus Redis. */
const serverMs = (r: Round) =>
  Object.entries(r.summary.cpuPerOrderMs)
    .filter(([name]) => name !== 'bench')
    .reduce((sum, [, ms]) => sum + ms, 0) + r.redisMsPerOrder;

export const scaling = defineExperiment({
  name: 'scaling',
  idea: '"slower, but scales much further": throughput against cores, measured on 1 and 2, modelled beyond',
  implementedIn: 'services/events/src/domain/reserve-seats.ts',
  question:
    'How do the whole system and the one-process monolith sell a hot event on one core and on two, what limits each whatever the cores, and where would the system overtake?',
  sizes: {
    quick: { buyers: 10, seats: 100, warmupSeats: 50, seconds: 10, serialOrders: 200 },
    standard: { buyers: 100, seats: 1500, warmupSeats: 1000, seconds: 30, serialOrders: 2000 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const dir = mkdtempSync(join(tmpdir(), 'boxoffice-scaling-'));
    settings.log(`starting a Postgres cluster and a Redis of the experiment's own in ${dir}…`);
    const servers = await startPinnedServers(dir);
    const agent = new Agent({ connections: size.buyers + 8 });
    const sides: RushSide[] = [];
    const allCpus = CONFIGS[CONFIGS.length - 1]!.cpus;
    try {
      const env = { PG_URL: servers.pgUrl, REDIS_URL: servers.redisUrl, BUS_URL: servers.redisUrl };
      sides.push(await startBoxofficeSide(1, agent, servers.pgUrl, settings.log, env));
      sides.push(await startMonolithSide(servers.pgUrl, agent, settings.log));
      const [system, monolith] = sides as [RushSide, RushSide];
      const eventsUrl = system.processes().find((p) => p.name.startsWith('events'))!.url;

      const pinAll = async (cpus: string, client: string) => {
        const pids = [
          ...servers.postgresPids(),
          servers.redisPid,
          ...sides.flatMap((s) => s.processes().map((p) => p.pid)),
        ];
        await pin(pids, cpus);
        await pin([process.pid], client);
      };
      const rounds: Record<string, Round[]> = {};
      const runs = CONFIGS.flatMap((config) => [
        { config, side: system },
        { config, side: monolith },
      ]);
      for (let round = 0; round < settings.rounds; round++) {
        // Alternate the sides within each core count, and the core counts across rounds.
        const order = roundOrder(CONFIGS.length, round).flatMap((c) =>
          roundOrder(2, round).map((s) => runs[c * 2 + s]!),
        );
        for (const { config, side } of order) {
          settings.log(`round ${round + 1}/${settings.rounds}: ${side.label} on ${config.cores} core(s)`);
          await pinAll(config.cpus, config.client);
          const redisBefore = cpuSeconds(servers.redisPid);
          const batchesBefore: SeatBatchTotals | undefined =
            side === system ? await seatBatchTotals(eventsUrl) : undefined;
          const summary = await side.round({
            ...size,
            warmupSeats: (rounds[`${side.label} ${config.cores}`]?.length ?? 0) === 0 ? size.warmupSeats : 0,
            out: join(settings.workDir, 'scaling'),
            log: settings.log,
          });
          const orders = Math.max(1, summary.outcome.counts.confirmed);
          const entry: Round = {
            summary,
            redisMsPerOrder: (1000 * (cpuSeconds(servers.redisPid) - redisBefore)) / orders,
            ...(batchesBefore
              ? { serialLimit: sagaSerialLimit(batchesBefore, await seatBatchTotals(eventsUrl)).perSecond }
              : {}),
          };
          (rounds[`${side.label} ${config.cores}`] ??= []).push(entry);
        }
      }
      await pinAll(allCpus, allCpus);
      settings.log('the monolith statement back to back on one connection (its serial limit)…');
      const monolithSerial = await monolithSerialLimit(servers.pgUrl, size.serialOrders);

      const figuresOf = (label: string, serialLimit: number): SideFigures => {
        const all = CONFIGS.flatMap((c) => rounds[`${label} ${c.cores}`] ?? []);
        return {
          measured: Object.fromEntries(
            CONFIGS.map((c) => [c.cores, median((rounds[`${label} ${c.cores}`] ?? []).map(confirmed))]),
          ),
          cpuMsPerOrder: median(all.map(serverMs)),
          clientMsPerOrder: median(all.map((r) => r.summary.cpuPerOrderMs.bench ?? 0)),
          serialLimit,
        };
      };
      // The saga's ceiling: its batches hold the row least when the CPU is least contended.
      const sagaLimits = CONFIGS.map((c) =>
        median((rounds[`${system.label} ${c.cores}`] ?? []).map((r) => r.serialLimit ?? NaN)),
      );
      const systemFigures = figuresOf(system.label, Math.max(...sagaLimits.filter(Number.isFinite)));
      const monolithFigures = figuresOf(monolith.label, monolithSerial.perSecond);
      const wrong = Object.values(rounds)
        .flat()
        .reduce((n, r) => n + r.summary.oversold + r.summary.violations, 0);

      const row = (name: string, f: SideFigures) => [
        name,
        f.measured[1]!,
        f.measured[2]!,
        f.cpuMsPerOrder,
        f.clientMsPerOrder,
        f.serialLimit,
        ...MODEL_CORES.slice(2).map((n) => modelled(f, n)),
      ];
      return {
        setup:
          `A Postgres cluster and a Redis started for this experiment, a private stack (gateway, one instance of each service, the bus on that Redis) ` +
          `and the one-process monolith, all up throughout. For each core count every server process, every thread and every Postgres backend is pinned with taskset: ` +
          `1 core = CPU 0 (the load generator on CPU 1), 2 cores = CPUs 0 and 1 (the load generator shares them). ` +
          `${size.buyers} buyers rush ${size.seats} seats per round (at most ${size.seconds} s; the first round of each side and core count after an unmeasured warm-up of ${size.warmupSeats} seats); ` +
          `${settings.rounds} round(s), alternating sides and core counts. The monolith's ceiling: its statement run ${size.serialOrders} times back to back on one connection; ` +
          `the saga's: orders per batch ÷ time each batch held the event's row (events_seat_batch_* on the events service's /metrics). ` +
          `Model: throughput(cores) = min(cores × 1000 ÷ CPU ms per order, ceiling).${wrong ? ` ${wrong} oversold seats or broken invariants were found.` : ' No seat oversold, every invariant held.'}`,
        table: {
          columns: [
            'side',
            '1 core, orders/s',
            '2 cores, orders/s',
            'server CPU ms/order',
            'load generator CPU ms/order',
            'ceiling, orders/s',
            ...MODEL_CORES.slice(2).map((n) => `model ${n} cores`),
          ],
          rows: [row('monolith (one process)', monolithFigures), row('the whole system', systemFigures)],
        },
        chart: {
          title: 'Hot-event rush pinned to 1 and 2 cores: confirmed orders/s (median of rounds)',
          unit: 'orders/s',
          bars: [
            { label: 'monolith, 1 core', value: monolithFigures.measured[1]! },
            { label: 'system, 1 core', value: systemFigures.measured[1]! },
            { label: 'monolith, 2 cores', value: monolithFigures.measured[2]! },
            { label: 'system, 2 cores', value: systemFigures.measured[2]! },
          ],
        },
        lines: {
          title: 'Model: orders/s against cores (lines), with the points measured here (dots)',
          unit: 'orders/s',
          xLabel: 'cores',
          xTicks: [0, ...MODEL_CORES.slice(2)],
          series: [
            { name: 'monolith (model)', points: MODEL_CORES.map((n) => [n, modelled(monolithFigures, n)]) },
            { name: 'system (model)', points: MODEL_CORES.map((n) => [n, modelled(systemFigures, n)]) },
            {
              name: 'monolith (measured)',
              dots: true,
              points: CONFIGS.map((c) => [c.cores, monolithFigures.measured[c.cores]!]),
            },
            {
              name: 'system (measured)',
              dots: true,
              points: CONFIGS.map((c) => [c.cores, systemFigures.measured[c.cores]!]),
            },
          ],
        },
        paragraph: describeScaling(systemFigures, monolithFigures),
        ratios: {
          'system/monolith 1 core': systemFigures.measured[1]! / monolithFigures.measured[1]!,
          'system/monolith 2 cores': systemFigures.measured[2]! / monolithFigures.measured[2]!,
          'system ceiling/monolith ceiling': systemFigures.serialLimit / monolithFigures.serialLimit,
        },
      };
    } finally {
      await pin([process.pid], allCpus).catch(() => undefined);
      for (const side of sides) await side.stop().catch(() => undefined);
      await agent.close();
      await servers.stop();
    }
  },
});
