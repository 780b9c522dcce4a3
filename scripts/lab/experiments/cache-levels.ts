import { join } from 'node:path';
import { overallHitRatio } from '../../load/cache-metrics';
import { runLoadCommand } from '../../load/load-command';
import type { LoadResult } from '../../load/load-result';
import { parseLoadArgs } from '../../load/options';
import { medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** The three stacks of `npm run load -- browse --compare cache-levels`, in its order. */
export const CACHE_LEVELS = ['no-cache', 'redis-only', 'memory-redis'] as const;
type Level = (typeof CACHE_LEVELS)[number];

/** Each level's results by round (runLoadCommand returns them in the order they ran). */
export function byLevel(results: readonly LoadResult[]): Record<Level, LoadResult[]> {
  const rounds = results.length / CACHE_LEVELS.length;
  const out = { 'no-cache': [], 'redis-only': [], 'memory-redis': [] } as Record<Level, LoadResult[]>;
  for (let round = 0; round < rounds; round++) {
    const set = results.slice(round * CACHE_LEVELS.length, (round + 1) * CACHE_LEVELS.length);
    for (const level of CACHE_LEVELS) {
      const r = set.find((x) => x.label === level);
      if (!r) throw new Error(`round ${round + 1} has no ${level} run`);
      out[level].push(r);
    }
  }
  return out;
}

const throughput = (r: LoadResult) => r.requests.throughput;

/** The paragraph, from the two ratios to "no cache" (and each level's median req/s). */
export function describeCacheLevels(
  rps: Record<Level, number>,
  redisVsNone: number,
  bothVsNone: number,
  hitRatio: number | null,
): string {
  const levelsWord = byDirection(bothVsNone / redisVsNone, {
    higher: 'the in-process level on top of Redis added more',
    lower:
      'the in-process level on top of Redis made it slower than Redis alone, which the run does not explain by the design: look at the rounds',
    same: 'the in-process level added little over Redis alone in this run',
  });
  return (
    `Browsing (event pages and the listing) ran at ${fig(rps['no-cache'])} req/s with no cache, ` +
    `${fig(rps['redis-only'])} with Redis only and ${fig(rps['memory-redis'])} with memory + Redis. ` +
    byDirection(redisVsNone, {
      higher: `Redis alone raised throughput to ${times(redisVsNone)} of no cache, `,
      lower: `Redis alone lowered throughput to ${times(redisVsNone)} of no cache (a Redis round trip cost more than the primary-key read it saved), `,
      same: `Redis alone left throughput about where it was (${times(redisVsNone)}): the read it saves is a cheap primary-key lookup, `,
    }) +
    byDirection(bothVsNone, {
      higher: `and memory + Redis to ${times(bothVsNone)}; `,
      lower: `and memory + Redis to ${times(bothVsNone)}, below no cache; `,
      same: `and memory + Redis to ${times(bothVsNone)}, about the same as none; `,
    }) +
    `${levelsWord}. ` +
    (hitRatio === null
      ? 'The services reported no cache lookups.'
      : `With both levels, ${(hitRatio * 100).toFixed(0)} % of lookups were answered by a cache.`)
  );
}

export const cacheLevels = defineExperiment({
  name: 'cache-levels',
  idea: 'a cache per entity, and per-machine caches in front of it',
  implementedIn: 'shared/cache/src/entity-cache.ts',
  question: 'How much does browsing gain from Redis, and from an in-process cache in front of Redis?',
  sizes: {
    quick: { seconds: 2, connections: 10, events: 10 },
    standard: { seconds: 8, connections: 30, events: 50 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const options = parseLoadArgs([
      'browse',
      '--compare',
      'cache-levels',
      '--rounds',
      String(settings.rounds),
      '--duration',
      String(size.seconds),
      '--connections',
      String(size.connections),
      '--events',
      String(size.events),
      '--out',
      join(settings.workDir, 'cache-levels'),
      '--no-progress',
    ])!;
    const levels = byLevel(await runLoadCommand(options, settings.log));
    const errors = CACHE_LEVELS.reduce((n, l) => n + levels[l].reduce((m, r) => m + r.requests.errors, 0), 0);
    if (errors > 0) throw new Error(`${errors} requests failed: the figures are not to be trusted`);
    const rps = Object.fromEntries(CACHE_LEVELS.map((l) => [l, medianOf(levels[l], throughput)])) as Record<
      Level,
      number
    >;
    const redisVsNone = medianRatio(levels['no-cache'], levels['redis-only'], throughput);
    const bothVsNone = medianRatio(levels['no-cache'], levels['memory-redis'], throughput);
    const hit = (l: Level) => overallHitRatio(levels[l].at(-1)!.cache);
    return {
      setup:
        `Three private stacks: no cache (CACHE_ENABLED=false), Redis only (CACHE_L1_ENABLED=false) and memory + Redis (the default). ` +
        `The browse scenario (75 % event pages, 25 % the listing) at ${size.connections} connections for ${size.seconds} s per stack and round ` +
        `over ${size.events} events, ${settings.rounds} rounds rotating which stack goes first (npm run load -- browse --compare cache-levels).`,
      table: {
        columns: ['cache', 'req/s', 'p50 ms', 'p99 ms', 'cache hit ratio', '× no cache'],
        rows: CACHE_LEVELS.map((l) => [
          l,
          rps[l],
          medianOf(levels[l], (r) => r.latencyMs.p50),
          medianOf(levels[l], (r) => r.latencyMs.p99),
          hit(l) === null ? '—' : `${((hit(l) ?? 0) * 100).toFixed(0)} %`,
          times(medianRatio(levels['no-cache'], levels[l], throughput)),
        ]),
      },
      chart: {
        title: 'Browse: requests per second by cache level (median of rounds)',
        unit: 'req/s',
        bars: CACHE_LEVELS.map((l) => ({ label: l, value: rps[l] })),
      },
      paragraph: describeCacheLevels(rps, redisVsNone, bothVsNone, hit('memory-redis')),
      ratios: { 'redis/none': redisVsNone, 'memory+redis/none': bothVsNone },
    };
  },
});
