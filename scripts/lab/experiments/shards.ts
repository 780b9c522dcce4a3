import { roundRatio, type TargetResult } from '../../bench/read/rounds';
import { type ReadStack, startReadStack } from '../../bench/read/stack';
import { createEventTarget, uncachedListingTarget } from '../../bench/read/targets';
import { countShardRows } from '../../load/shard-rows';
import { sharedPoolMax } from '../../stack/connection-budget';
import { warmedPair } from './warm-up';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** The largest events shard's share of the events, from rows counted on every shard. */
async function largestShare(read: ReadStack): Promise<{ share: number }> {
  // The events shards only: two connections at most, beside three stacks' pools.
  const rows = await countShardRows(read.stack.topology, ['events']);
  const counts = [...rows].filter(([name]) => name.startsWith('events ')).map(([, r]) => r.events ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  return { share: Math.max(...counts) / Math.max(1, total) };
}

const pct = (share: number) => `${(share * 100).toFixed(0)} %`;
/** A target's req/s, p50 and p99 (medians of rounds), for a table row. */
const figures = (t: TargetResult) => [t.median.requestsPerSecond, t.median.p50Ms, t.median.p99Ms];

/** The paragraph, from the listing's rate at one and four shards and each layout's largest shard. */
export function describeShards(
  one: TargetResult,
  four: TargetResult,
  fourVsOne: number,
  share: { talk: number; even: number },
): string {
  return (
    `A listing page that asks every events shard ran at ${times(fourVsOne)} the rate with four shards as with one ` +
    `(${fig(four.median.requestsPerSecond)} against ${fig(one.median.requestsPerSecond)} req/s, p50 ${fig(four.median.p50Ms)} against ${fig(one.median.p50Ms)} ms): ` +
    byDirection(fourVsOne, {
      lower:
        'on one machine, more shards make a scatter-gather read dearer (a query per shard, then a merge); sharding buys room for writes and data on more servers, not faster reads across all of them. ',
      same: 'the extra shard queries did not show in this run. ',
      higher:
        'faster with more shards, which four queries instead of one do not explain: smaller tables, or the machine changed between rounds. ',
    }) +
    `Spread over four shards, the largest held ${pct(share.talk)} of the events with the talk's uneven ranges (0-2, 3-5, 6-8, 9-f) ` +
    `and ${pct(share.even)} with even quarters; ` +
    byDirection(share.talk / share.even, {
      higher: 'the uneven layout makes one shard the hot spot, as a range of 7/16 of the keys should.',
      same: "the two layouts spread this run's events about the same, fewer events than it takes to show the uneven ranges.",
      lower: 'the uneven layout spread them more evenly in this run, which only few events can do by chance.',
    })
  );
}

/**
 * The paragraph's part on writes, from event creation's rate and latency at one and four shards
 * (and Postgres's CPU per write, when it was read); `poolMax` is each events process's
 * connections per shard.
 */
export function describeShardWrites(
  one: TargetResult,
  four: TargetResult,
  fourVsOne: number,
  poolMax: number,
): string {
  const pg = (t: TargetResult) => t.median.cpuMsPerRequest.postgres;
  const cpu =
    Number.isFinite(pg(one)) && Number.isFinite(pg(four))
      ? ` Postgres spent ${fig(pg(four))} ms of CPU per write with four shards and ${fig(pg(one))} ms with one.`
      : '';
  const shared =
    'all four are databases of one Postgres server here, sharing its two cores, its disk and its one write-ahead log (flushed at every commit), so a shard adds no capacity of its own; sharding buys write headroom when the shards get machines of their own, which one machine cannot show.';
  return (
    `Creating events (writes spread over the shards by their random ids) ran at ${times(fourVsOne)} the rate with four shards as with one ` +
    `(${fig(four.median.requestsPerSecond)} against ${fig(one.median.requestsPerSecond)} writes/s, p50 ${fig(four.median.p50Ms)} against ${fig(one.median.p50Ms)} ms, ` +
    `p99 ${fig(four.median.p99Ms)} against ${fig(one.median.p99Ms)} ms): ` +
    byDirection(fourVsOne, {
      lower: `four shards were slower: the same load went through four pools (${4 * poolMax} connections against ${poolMax}), so more Postgres backends worked at once on the same two cores, and ${shared}`,
      same: `no gain from four shards, because ${shared}`,
      higher: `faster with four shards even on one server: with a pool of ${poolMax} connections per shard, ${4 * poolMax} writes can wait for their commits at once against ${poolMax}, on four smaller tables and indexes. But ${shared}`,
    }) +
    cpu
  );
}

export const shards = defineExperiment({
  name: 'shards',
  idea: 'horizontal sharding by key range: one shard against four, uneven against even ranges',
  implementedIn: 'shared/sharding/src/keys/',
  question:
    "What do more shards cost a read that asks all of them, what do they give writes on one machine, and how unevenly do the talk's ranges fill them?",
  sizes: {
    quick: { events: 20, seconds: 1, connections: 10, writeSeconds: 1 },
    standard: { events: 200, seconds: 4, connections: 30, writeSeconds: 5 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const { poolMax } = await sharedPoolMax(3);
    const env = { DB_POOL_MAX: String(poolMax) };
    const started: ReadStack[] = [];
    try {
      started.push(await startReadStack({ events: size.events, env, shards: 1 }));
      started.push(await startReadStack({ events: size.events, env, shards: 4 }));
      started.push(await startReadStack({ events: size.events, env })); // the talk's ranges
      const [oneStack, fourStack, talkStack] = started as [ReadStack, ReadStack, ReadStack];
      const [one, four] = await warmedPair(
        [
          { ...uncachedListingTarget(oneStack), name: '1 shard' },
          { ...uncachedListingTarget(fourStack), name: '4 even shards' },
        ],
        settings,
        size,
      );
      const ratio = roundRatio(four, one);
      // Counted before the writes below add their events.
      const even = await largestShare(fourStack);
      const talk = await largestShare(talkStack);
      const [oneW, fourW] = await warmedPair(
        [
          { ...createEventTarget(oneStack), name: '1 shard, writes' },
          { ...createEventTarget(fourStack), name: '4 shards, writes' },
        ],
        settings,
        { seconds: size.writeSeconds, connections: size.connections },
      );
      const writeRatio = roundRatio(fourW, oneW);
      const failures = one.failures + four.failures + oneW.failures + fourW.failures;
      if (failures > 0) throw new Error(`${failures} requests failed: the figures are not to be trusted`);
      return {
        setup:
          `Three private stacks, each with ${size.events} events created through the API: the events service on one shard, on four even shards ` +
          `(quarters of the key space), and on the talk's four uneven ranges (the default). autocannon at ${size.connections} connections asks for ` +
          `a listing page that misses the cache and asks every shard, ${size.seconds} s per stack and round, ${settings.rounds} rounds alternating ` +
          `(1, 4, then 4, 1…), as npm run bench:read -- --shards 1,4 does; then the events on every shard are counted. Then the same autocannon load ` +
          `creates events (POST /api/events as the signed-in organizer, a new random id each, so the writes spread over the shards) on the one-shard ` +
          `and the four-shard stack, ${size.writeSeconds} s per stack and round, alternating the same way. Every stack's databases are on one Postgres ` +
          `server, each events process with a pool of ${poolMax} connections per shard.`,
        table: {
          columns: [
            'events shards',
            'listing req/s (every shard)',
            'listing p50 ms',
            'listing p99 ms',
            'event creations/s',
            'creation p50 ms',
            'creation p99 ms',
            'largest shard holds',
          ],
          rows: [
            ['1', ...figures(one), ...figures(oneW), '100 %'],
            ['4, even quarters', ...figures(four), ...figures(fourW), pct(even.share)],
            ["4, the talk's ranges", '—', '—', '—', '—', '—', '—', pct(talk.share)],
          ],
        },
        chart: {
          title:
            'Requests per second (median of rounds): a listing that asks every shard, and event creation',
          unit: 'req/s',
          bars: [
            { label: 'listing, 1 shard', value: one.median.requestsPerSecond },
            { label: 'listing, 4 shards', value: four.median.requestsPerSecond },
            { label: 'writes, 1 shard', value: oneW.median.requestsPerSecond },
            { label: 'writes, 4 shards', value: fourW.median.requestsPerSecond },
          ],
        },
        paragraph: `${describeShards(one, four, ratio, { talk: talk.share, even: even.share })} ${describeShardWrites(oneW, fourW, writeRatio, poolMax)}`,
        ratios: {
          '4/1 shards listing req/s': ratio,
          '4/1 shards writes/s': writeRatio,
          'largest shard talk/even': talk.share / even.share,
        },
      };
    } finally {
      for (const read of started) await read.stop();
    }
  },
});
