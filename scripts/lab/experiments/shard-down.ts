import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { TALK_PRESET, formatBucketRange, withDatabase } from '@boxoffice/sharding';
import { signUpAndIn } from '../../api/api-client';
import { daysFromNow } from '../../api/seeding';
import { startOnCluster, startReplicaCluster } from '../../replicas/replica-cluster';
import { startStack } from '../../stack/start-stack';
import { readsByTarget } from '../../bench/replicas/stack';
import { quantile } from '../../bench/read/measure';
import { alternate } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { fig } from '../wording';

/** Reads of one kind in one phase: how many, how many answered 200 (and of the listing, how many partial). */
export interface ReadTally {
  asked: number;
  ok: number;
  partial: number;
}

/** Writes to one side in one phase: how many answered 2xx, the others by status, and how long each took to answer (ms). */
export interface WriteTally {
  ok: number;
  failed: Record<string, number>;
  ms: number[];
}

/**
 * One phase's requests: event pages on the stopped shard's range, on the others, and the listing;
 * how many shard-9-f reads its replica served (db_reads_total); edits of events on 9-f and elsewhere.
 */
export interface ShardDownPhase {
  onShard: ReadTally;
  elsewhere: ReadTally;
  listing: ReadTally;
  replicaReads: number;
  writesOnShard: WriteTally;
  writesElsewhere: WriteTally;
}

type ReadKind = 'onShard' | 'elsewhere' | 'listing';
type WriteKind = 'writesOnShard' | 'writesElsewhere';

const share = (t: { ok: number }, asked: number) => t.ok / Math.max(1, asked);
const readShare = (t: ReadTally) => share(t, t.asked);
const writeShare = (t: WriteTally) => share(t, t.ms.length);
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
const sumReads = (phases: ShardDownPhase[], kind: ReadKind): ReadTally =>
  phases.reduce(
    (s, p) => ({
      asked: s.asked + p[kind].asked,
      ok: s.ok + p[kind].ok,
      partial: s.partial + p[kind].partial,
    }),
    { asked: 0, ok: 0, partial: 0 },
  );
const sumWrites = (phases: ShardDownPhase[], kind: WriteKind): WriteTally => {
  const failed: Record<string, number> = {};
  for (const p of phases) {
    for (const [status, n] of Object.entries(p[kind].failed)) failed[status] = (failed[status] ?? 0) + n;
  }
  return { ok: phases.reduce((n, p) => n + p[kind].ok, 0), failed, ms: phases.flatMap((p) => p[kind].ms) };
};
/** "503 × 6, 500 × 1", or "none". */
const statuses = (t: WriteTally) =>
  Object.entries(t.failed)
    .map(([status, n]) => `${status} × ${n}`)
    .join(', ') || 'none';

/** The time to the answer at quantile `q` (0.5: the median) of the writes, nearest rank. */
export function writeMs(t: WriteTally, q: number): number {
  return quantile(t.ms, q);
}

/** Above this, a refused write is a hang for the talk's purpose, not a fast 503 (a shard timeout is 1 s). */
export const FAST_FAILURE_MS = 1000;

/** The paragraph, from what the reads and writes got with the 9-f primary up and stopped. */
export function describeShardDown(up: ShardDownPhase[], down: ShardDownPhase[]): string {
  const [onUp, onDown] = [sumReads(up, 'onShard'), sumReads(down, 'onShard')];
  const [elseUp, elseDown] = [sumReads(up, 'elsewhere'), sumReads(down, 'elsewhere')];
  const listDown = sumReads(down, 'listing');
  const [replicaUp, replicaReads] = [up, down].map((ps) => ps.reduce((n, p) => n + p.replicaReads, 0));
  const writesOn = sumWrites(down, 'writesOnShard');
  const [writesElseUp, writesElseDown] = [
    sumWrites(up, 'writesElsewhere'),
    sumWrites(down, 'writesElsewhere'),
  ];
  const failed = writesOn.ms.length - writesOn.ok;
  const [p50, max] = [writeMs(writesOn, 0.5), writeMs(writesOn, 1)];
  const contained = readShare(elseDown) >= 0.99 * readShare(elseUp);
  const readsServed = readShare(onDown) >= 0.99 && replicaReads > 0;
  return (
    `With the primary of events shard 9-f stopped, ` +
    (failed === writesOn.ms.length
      ? `every one of ${writesOn.ms.length} edits of its events was refused (${statuses(writesOn)}), ` +
        (max <= FAST_FAILURE_MS
          ? `fast (the answer came after ${fig(p50)} ms at the median, ${fig(max)} ms at most): consistency for its keys is a quick 503, not a hang. `
          : `but slowly (${fig(p50)} ms at the median, ${fig(max)} ms at most): a client waited for a refusal. `)
      : `${writesOn.ok} of ${writesOn.ms.length} edits of its events succeeded, which a stopped primary cannot do: the stop did not take in this run. `) +
    `Edits elsewhere succeeded ${pct(writeShare(writesElseDown))} of the time (${pct(writeShare(writesElseUp))} with it up). ` +
    (readsServed
      ? `Anonymous event pages on its range were still answered (${pct(readShare(onDown))}; ${pct(readShare(onUp))} with it up): its streaming replica served ` +
        `${replicaReads} of the shard's reads (pages and the listing's part; ${replicaUp} with the primary up, as an anonymous read goes to a replica within the lag bound anyway). ` +
        `A page for display may be slightly stale, so reads choose availability while writes choose consistency. `
      : `Anonymous event pages on its range were answered ${pct(readShare(onDown))} of the time (${pct(readShare(onUp))} with it up; its replica served ${replicaReads} of the shard's reads): ` +
        `the replica did not take over, so those reads got a 503 rather than an answer nobody could check. `) +
    (contained
      ? `Event pages on the other shards were answered as before (${pct(readShare(elseDown))} against ${pct(readShare(elseUp))}): the failure stayed on one range of keys. `
      : `Event pages on the other shards suffered too (${pct(readShare(elseDown))} answered against ${pct(readShare(elseUp))} with the shard up), so the failure did not stay on its own keys in this run. `) +
    (listDown.partial > 0
      ? `The listing chose availability: ${listDown.partial} of ${listDown.asked} pages came back partial, without the stopped shard's events and naming it.`
      : `The listing answered ${pct(readShare(listDown))} of ${listDown.asked} pages with the primary down, none marked partial.`)
  );
}

export const shardDown = defineExperiment({
  name: 'shard-down',
  idea: '"what if a shard is down?": consistency for its keys, availability for the rest (CAP)',
  implementedIn: 'shared/sharding/src/db/shard-databases.ts',
  question:
    "With one shard's primary stopped, do writes to its keys fail fast, and which reads still get an answer, its replica's included?",
  sizes: {
    quick: { events: 12, seconds: 2, readers: 4, writes: 6 },
    standard: { events: 40, seconds: 5, readers: 8, writes: 20 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const cluster = await startReplicaCluster({
      dir: mkdtempSync(join(tmpdir(), 'boxoffice-lab-shard-')),
      replicas: 1,
      durable: false,
      maxConnections: 50,
    });
    // The talk's layout, with events shard 9-f alone on the private server, streamed to one replica.
    const stack = await startOnCluster(cluster, () =>
      startStack({
        env: { CACHE_ENABLED: 'false', SHARD_TIMEOUT_MS: '1000' },
        topology: (prefix, config) => ({
          services: {
            events: {
              shards: TALK_PRESET.map((range) => {
                const name = formatBucketRange(range).replace('-', '_');
                const own = range.lo === 0x90;
                const database = `${prefix}events_${name}`;
                return {
                  range: formatBucketRange(range),
                  primary: withDatabase(own ? cluster.primary.url : config.PG_URL, database),
                  replicas: own ? cluster.replicas.map((r) => withDatabase(r.url, database)) : [],
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
      const shardIds = ids.filter(onShard);
      const otherIds = ids.filter((id) => !onShard(id));
      if (shardIds.length === 0 || otherIds.length === 0) {
        throw new Error(`${size.events} random events left a side empty (${shardIds.length} on 9-f)`);
      }
      const replicaReads = async () =>
        (await readsByTarget(stack.serviceUrls.events, '9_f')).get('replica/within_lag') ?? 0;
      // Edits of events on 9-f and on the other shards, in turn, each timed to its answer.
      const writes = async (phase: ShardDownPhase): Promise<void> => {
        for (let n = 0; n < size.writes * 2; n++) {
          const here = n % 2 === 0;
          const list = here ? shardIds : otherIds;
          const id = list[Math.floor(n / 2) % list.length]!;
          const began = performance.now();
          const res = await organizer.client.request('PATCH', `/api/events/${id}`, {
            title: `Lab edit ${n}`,
          });
          const t = here ? phase.writesOnShard : phase.writesElsewhere;
          t.ms.push(performance.now() - began);
          if (res.status < 300) t.ok++;
          else t.failed[res.status] = (t.failed[res.status] ?? 0) + 1;
        }
      };
      const reads = async (phase: ShardDownPhase): Promise<void> => {
        const deadline = Date.now() + size.seconds * 1000;
        await Promise.all(
          Array.from({ length: size.readers }, async (_, reader) => {
            for (let n = reader; Date.now() < deadline; n++) {
              const listing = n % 4 === 3;
              const id = ids[n % ids.length]!;
              const path = listing ? '/api/events?limit=20' : `/api/events/${id}`;
              const res = await request(`${stack.gatewayUrl}${path}`, { dispatcher: agent });
              const body = (await res.body.json().catch(() => ({}))) as { partial?: boolean };
              const t = listing ? phase.listing : onShard(id) ? phase.onShard : phase.elsewhere;
              t.asked++;
              if (res.statusCode === 200) t.ok++;
              if (body.partial) t.partial++;
            }
          }),
        );
      };
      const measurePhase = async (): Promise<ShardDownPhase> => {
        const tally = () => ({ asked: 0, ok: 0, partial: 0 });
        const phase: ShardDownPhase = {
          onShard: tally(),
          elsewhere: tally(),
          listing: tally(),
          replicaReads: 0,
          writesOnShard: { ok: 0, failed: {}, ms: [] },
          writesElsewhere: { ok: 0, failed: {}, ms: [] },
        };
        const before = await replicaReads();
        await Promise.all([reads(phase), writes(phase)]);
        phase.replicaReads = (await replicaReads()) - before;
        return phase;
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
          { label: 'primary up', run: async () => (await server(true), measurePhase()) },
          { label: '9-f primary stopped', run: async () => (await server(false), measurePhase()) },
        ],
        settings.rounds,
        settings.log,
      )) as [ShardDownPhase[], ShardDownPhase[]];
      await server(true);
      const readRow = (label: string, kind: ReadKind) => [
        label,
        ...[upRounds, downRounds].map((p) => {
          const t = sumReads(p, kind);
          return `${pct(readShare(t))} of ${t.asked}`;
        }),
      ];
      const writeRow = (label: string, kind: WriteKind) => [
        label,
        ...[upRounds, downRounds].map((p) => {
          const t = sumWrites(p, kind);
          return `${t.ok} of ${t.ms.length} ok (failed: ${statuses(t)}); p50 ${fig(writeMs(t, 0.5))} ms, max ${fig(writeMs(t, 1))} ms`;
        }),
      ];
      const bar = (label: string, value: number) => ({ label, value: 100 * value });
      return {
        setup:
          `A private stack on the talk's layout, events shard 9-f alone on a Postgres server of its own with one streaming replica ` +
          `(the other shards on the shared server, without replicas), the cache off so every read reaches a shard, a shard timeout of 1 s; ` +
          `${size.events} events (${shardIds.length} on 9-f). ${size.readers} anonymous readers ask for event pages (three in four) and the listing ` +
          `for ${size.seconds} s per phase while the organizer edits ${size.writes} events on 9-f and ${size.writes} elsewhere in turn ` +
          `(PATCH /api/events/:id, each timed to its answer), with the 9-f primary up and stopped (pg_ctl -m immediate; its replica stays up), ` +
          `${settings.rounds} rounds alternating (up, stopped, then stopped, up). Replica reads are db_reads_total of shard 9_f.`,
        table: {
          columns: ['requests', 'primary up', '9-f primary stopped'],
          rows: [
            readRow('event pages on 9-f answered', 'onShard'),
            [
              "9-f reads its replica served (pages, the listing's part)",
              ...[upRounds, downRounds].map((p) => String(p.reduce((n, x) => n + x.replicaReads, 0))),
            ],
            readRow('event pages on the other shards answered', 'elsewhere'),
            readRow('the listing (every shard) answered', 'listing'),
            [
              'listing pages marked partial',
              String(sumReads(upRounds, 'listing').partial),
              String(sumReads(downRounds, 'listing').partial),
            ],
            writeRow('edits of events on 9-f', 'writesOnShard'),
            writeRow('edits of events on the other shards', 'writesElsewhere'),
          ],
        },
        chart: {
          title: 'Share of requests answered with success, by phase',
          unit: '% answered',
          bars: [
            bar('9-f pages, up', readShare(sumReads(upRounds, 'onShard'))),
            bar('9-f pages, stopped', readShare(sumReads(downRounds, 'onShard'))),
            bar('other pages, 9-f stopped', readShare(sumReads(downRounds, 'elsewhere'))),
            bar('9-f edits, up', writeShare(sumWrites(upRounds, 'writesOnShard'))),
            bar('9-f edits, stopped', writeShare(sumWrites(downRounds, 'writesOnShard'))),
            bar('other edits, 9-f stopped', writeShare(sumWrites(downRounds, 'writesElsewhere'))),
          ],
        },
        paragraph: describeShardDown(upRounds, downRounds),
        ratios: {
          'answered on 9-f, stopped/up':
            readShare(sumReads(downRounds, 'onShard')) / readShare(sumReads(upRounds, 'onShard')),
          'answered elsewhere, stopped/up':
            readShare(sumReads(downRounds, 'elsewhere')) / readShare(sumReads(upRounds, 'elsewhere')),
        },
      };
    } finally {
      await agent.close();
      await stack.stop();
    }
  },
});
