import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { TALK_PRESET, formatBucketRange, withDatabase } from '@boxoffice/sharding';
import { signUpAndIn } from '../../api/api-client';
import { daysFromNow } from '../../api/seeding';
import { startOnCluster, startReplicaCluster } from '../../replicas/replica-cluster';
import { startStack } from '../../stack/start-stack';
import { alternate } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';

/** Reads of one kind in one phase: how many, how many answered 200 (and of the listing, how many partial). */
export interface ReadTally {
  asked: number;
  ok: number;
  partial: number;
}

/** One phase's reads: event pages on the stopped shard's range, on the others, and the listing. */
export type ShardDownPhase = Record<'onShard' | 'elsewhere' | 'listing', ReadTally>;

const share = (t: ReadTally) => t.ok / Math.max(1, t.asked);
const pct = (t: ReadTally) => `${(share(t) * 100).toFixed(0)} % of ${t.asked}`;
const sumTally = (phases: ShardDownPhase[], kind: keyof ShardDownPhase): ReadTally =>
  phases.reduce(
    (s, p) => ({
      asked: s.asked + p[kind].asked,
      ok: s.ok + p[kind].ok,
      partial: s.partial + p[kind].partial,
    }),
    { asked: 0, ok: 0, partial: 0 },
  );

/** The paragraph, from what the reads got with the shard up and down. */
export function describeShardDown(up: ShardDownPhase[], down: ShardDownPhase[]): string {
  const [onUp, onDown] = [sumTally(up, 'onShard'), sumTally(down, 'onShard')];
  const [elseUp, elseDown] = [sumTally(up, 'elsewhere'), sumTally(down, 'elsewhere')];
  const listDown = sumTally(down, 'listing');
  const contained = share(elseDown) >= 0.99 * share(elseUp);
  return (
    `With the server of events shard 9-f stopped, event pages on its range were answered ${(share(onDown) * 100).toFixed(0)} % of the time ` +
    `(${(share(onUp) * 100).toFixed(0)} % with it up): Boxoffice chooses consistency there, a 503 rather than an answer it cannot check. ` +
    (contained
      ? `Event pages on the other shards were answered as before (${(share(elseDown) * 100).toFixed(0)} % against ${(share(elseUp) * 100).toFixed(0)} %): the failure stayed on one range of keys. `
      : `Event pages on the other shards suffered too (${(share(elseDown) * 100).toFixed(0)} % answered against ${(share(elseUp) * 100).toFixed(0)} % with the shard up), so the failure did not stay on its own keys in this run. `) +
    (listDown.partial > 0
      ? `The listing chose availability: ${listDown.partial} of ${listDown.asked} pages came back partial, without the stopped shard's events and naming it.`
      : `The listing answered ${(share(listDown) * 100).toFixed(0)} % of ${listDown.asked} pages with the shard down, none marked partial.`)
  );
}

export const shardDown = defineExperiment({
  name: 'shard-down',
  idea: '"what if a shard is down?": consistency for its keys, availability for the rest (CAP)',
  implementedIn: 'shared/sharding/src/db/shard-databases.ts',
  question: "With one shard's Postgres server stopped, which reads still get an answer?",
  sizes: {
    quick: { events: 12, seconds: 2, readers: 4 },
    standard: { events: 40, seconds: 5, readers: 8 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const cluster = await startReplicaCluster({
      dir: mkdtempSync(join(tmpdir(), 'boxoffice-lab-shard-')),
      replicas: 0,
      durable: false,
      maxConnections: 50,
    });
    // The talk's layout, with events shard 9-f alone on the private server.
    const stack = await startOnCluster(cluster, () =>
      startStack({
        env: { CACHE_ENABLED: 'false', SHARD_TIMEOUT_MS: '1000' },
        topology: (prefix, config) => ({
          services: {
            events: {
              shards: TALK_PRESET.map((range) => {
                const name = formatBucketRange(range).replace('-', '_');
                const server = range.lo === 0x90 ? cluster.primary.url : config.PG_URL;
                return {
                  range: formatBucketRange(range),
                  primary: withDatabase(server, `${prefix}events_${name}`),
                  replicas: [],
                };
              }),
            },
          },
        }),
      }),
    );
    const agent = new Agent({ connections: size.readers * 2 });
    try {
      const organizer = await signUpAndIn(stack.gatewayUrl, { displayName: 'Lab organizer' });
      const ids: string[] = [];
      for (let i = 0; i < size.events; i++) {
        const event = await organizer.client.createEvent({
          title: `Lab ${i}`,
          venue: 'Hall',
          startsAt: daysFromNow(1 + i),
          capacity: 10,
        });
        ids.push(event.id);
      }
      const onShard = (id: string) => parseInt(id.slice(0, 2), 16) >= 0x90;
      const reads = async (): Promise<ShardDownPhase> => {
        const tally: ShardDownPhase = {
          onShard: { asked: 0, ok: 0, partial: 0 },
          elsewhere: { asked: 0, ok: 0, partial: 0 },
          listing: { asked: 0, ok: 0, partial: 0 },
        };
        const deadline = Date.now() + size.seconds * 1000;
        await Promise.all(
          Array.from({ length: size.readers }, async (_, reader) => {
            for (let n = reader; Date.now() < deadline; n++) {
              const listing = n % 4 === 3;
              const id = ids[n % ids.length]!;
              const path = listing ? '/api/events?limit=20' : `/api/events/${id}`;
              const res = await request(`${stack.gatewayUrl}${path}`, { dispatcher: agent });
              const body = (await res.body.json().catch(() => ({}))) as { partial?: boolean };
              const t = listing ? tally.listing : onShard(id) ? tally.onShard : tally.elsewhere;
              t.asked++;
              if (res.statusCode === 200) t.ok++;
              if (body.partial) t.partial++;
            }
          }),
        );
        return tally;
      };
      let up = true;
      const server = async (want: boolean) => {
        if (want === up) return;
        if (want) await cluster.startNode(cluster.primary);
        else await cluster.stopNode(cluster.primary, 'immediate');
        up = want;
        await new Promise((r) => setTimeout(r, 1500)); // pools notice
      };
      const [upRounds, downRounds] = (await alternate(
        [
          { label: 'shard up', run: async () => (await server(true), reads()) },
          { label: 'shard 9-f stopped', run: async () => (await server(false), reads()) },
        ],
        settings.rounds,
        settings.log,
      )) as [ShardDownPhase[], ShardDownPhase[]];
      await server(true);
      const row = (label: string, kind: keyof ShardDownPhase) => [
        label,
        pct(sumTally(upRounds, kind)),
        pct(sumTally(downRounds, kind)),
      ];
      return {
        setup:
          `A private stack on the talk's layout, events shard 9-f alone on a Postgres server of its own (the others on the shared one), ` +
          `the cache off so every read reaches a shard, a shard timeout of 1 s; ${size.events} events. ${size.readers} readers ask for event pages ` +
          `(three in four) and the listing for ${size.seconds} s per phase, with the 9-f server up and stopped (pg_ctl -m immediate), ` +
          `${settings.rounds} rounds alternating (up, stopped, then stopped, up).`,
        table: {
          columns: ['reads', 'answered, shard up', 'answered, 9-f stopped'],
          rows: [
            row('event pages on 9-f', 'onShard'),
            row('event pages on the other shards', 'elsewhere'),
            row('the listing (every shard)', 'listing'),
            [
              'listing pages marked partial',
              String(sumTally(upRounds, 'listing').partial),
              String(sumTally(downRounds, 'listing').partial),
            ],
          ],
        },
        chart: {
          title: 'Share of event pages answered with 200, by phase',
          unit: '% answered',
          bars: [
            { label: '9-f, up', value: 100 * share(sumTally(upRounds, 'onShard')) },
            { label: '9-f, stopped', value: 100 * share(sumTally(downRounds, 'onShard')) },
            { label: 'others, up', value: 100 * share(sumTally(upRounds, 'elsewhere')) },
            { label: 'others, 9-f stopped', value: 100 * share(sumTally(downRounds, 'elsewhere')) },
          ],
        },
        paragraph: describeShardDown(upRounds, downRounds),
        ratios: {
          'answered on 9-f, stopped/up':
            share(sumTally(downRounds, 'onShard')) / share(sumTally(upRounds, 'onShard')),
          'answered elsewhere, stopped/up':
            share(sumTally(downRounds, 'elsewhere')) / share(sumTally(upRounds, 'elsewhere')),
        },
      };
    } finally {
      await agent.close();
      await stack.stop();
    }
  },
});
