import type { TargetResult } from '../../bench/read/rounds';
import type { RoundSummary } from '../../bench/rush/sides';
import type { Phase } from '../../bench/images/measure';
import type { ReplicaBenchResult } from '../../bench/replicas/measure';
import type { ReshardBenchResult } from '../../bench/reshard/measure';
import { type BusRound, describeBus } from '../../lab/experiments/bus';
import { type BusQueueRounds, describeBusQueues } from '../../lab/experiments/bus-queues';
import type { QueueFigures } from '../../bench/bus/tradeoff-phases';
import { describeCacheLevels } from '../../lab/experiments/cache-levels';
import { describeGatewayHop } from '../../lab/experiments/gateway-hop';
import { describeImages } from '../../lab/experiments/images';
import { describeReplicas } from '../../lab/experiments/replicas';
import { describeReshard } from '../../lab/experiments/reshard';
import { describeRush } from '../../lab/experiments/rush-monolith';
import { describeSessions } from '../../lab/experiments/sessions';
import { type ShardDownPhase, type WriteTally, describeShardDown } from '../../lab/experiments/shard-down';
import { describeShardWrites, describeShards } from '../../lab/experiments/shards';
import { describeWorkers, recoveryOf } from '../../lab/experiments/workers';
import type { Measurement } from '../../bench/read/measure';
import { byDirection, direction } from '../../lab/wording';

describe('npm run lab: paragraphs written from the figures', () => {
  test('when a ratio is compared to 1, then 10 % either way is "the same" and a missing side is unknown', () => {
    expect([1.25, 1.05, 1, 0.95, 0.8, NaN, 0].map((r) => direction(r))).toEqual([
      'higher',
      'same',
      'same',
      'same',
      'lower',
      'unknown',
      'unknown',
    ]);
    expect(byDirection(2, { higher: 'up', lower: 'down', same: 'flat' })).toBe('up');
  });

  const target = (rps: number, cpu: Record<string, number>): TargetResult => ({
    name: 't',
    description: '',
    path: '/',
    rounds: [],
    idleCpuMsPerSecond: {},
    median: { requestsPerSecond: rps, p50Ms: 10, p99Ms: 30, cpuMsPerRequest: cpu },
    failures: 0,
  });

  test('gateway-hop: a slower gateway and a faster one read differently, each with its own figures', () => {
    const direct = target(1000, { events: 0.5 });
    const slower = describeGatewayHop(target(700, { gateway: 0.2, events: 0.5 }), direct, 0.7);
    const faster = describeGatewayHop(target(1300, { gateway: 0.2, events: 0.5 }), direct, 1.3);
    expect(slower).toContain('0.70× the requests per second');
    expect(slower).toContain('The hop costs throughput here');
    expect(faster).toContain('1.30×');
    expect(faster).toContain('the other way round from what an extra hop should do');
    expect(faster).not.toContain('The hop costs throughput here');
  });

  test('cache-levels: caches that help and caches that hurt read differently', () => {
    const helped = describeCacheLevels(
      { 'no-cache': 100, 'redis-only': 150, 'memory-redis': 300 },
      1.5,
      3,
      0.99,
    );
    const hurt = describeCacheLevels(
      { 'no-cache': 100, 'redis-only': 70, 'memory-redis': 60 },
      0.7,
      0.6,
      0.5,
    );
    expect(helped).toContain('Redis alone raised throughput to 1.50×');
    expect(helped).toContain('the in-process level on top of Redis added more');
    expect(helped).toContain('99 % of lookups');
    expect(hurt).toContain('Redis alone lowered throughput to 0.70×');
    expect(hurt).toContain('below no cache');
  });

  test('sessions: a store slower than the cookie and one faster read differently, each with its own figures', () => {
    const store = target(5000, { 'store server': 0.06, redis: 0.015 });
    const cookieFaster = describeSessions(store, target(6500, { 'cookie server': 0.045 }), 1.3);
    const cookieSlower = describeSessions(store, target(4000, { 'cookie server': 0.08 }), 0.8);
    expect(cookieFaster).toContain('1.30× the requests per second of looking the session up in Redis');
    expect(cookieFaster).toContain(
      "the store's network round trip per request cost more than the cookie's HMAC",
    );
    expect(cookieFaster).toContain(
      '45 µs of CPU per request verifying cookies and 60 µs asking Redis (0.75×)',
    );
    expect(cookieFaster).toContain('Redis spent another 15 µs per request');
    expect(cookieSlower).toContain('0.80×');
    expect(cookieSlower).toContain('here the HMAC cost more than the round trip to Redis');
    expect(cookieSlower).toContain("here the HMAC cost more CPU than the client's side of a Redis call");
    expect(cookieSlower).not.toContain("the store's network round trip per request cost more");
  });

  const rushRound = (confirmedPerSecond: number, oversold = 0): RoundSummary =>
    ({
      label: 'x',
      outcome: { confirmedPerSecond } as RoundSummary['outcome'],
      oversold,
      violations: 0,
      cpuPerOrderMs: { gateway: 0.5, bench: 9 },
    }) as RoundSummary;

  test('rush-monolith: slower than the monolith, faster than it, and a broken invariant each say so', () => {
    const slower = describeRush([rushRound(500)], [rushRound(1000)], 0.5);
    const faster = describeRush([rushRound(1500)], [rushRound(1000)], 1.5);
    expect(slower).toContain('Slower, as the talk warns');
    expect(faster).toContain('Faster even on one machine, which the talk does not promise');
    expect(slower).toContain('every purchase invariant held');
    expect(describeRush([rushRound(500, 3)], [rushRound(1000)], 0.5)).toContain(
      '3 oversold seats or broken invariants',
    );
  });

  const figures = (perSecond: number, sent: number, lost: number) => ({
    perSecond,
    p50Ms: 2,
    p99Ms: 9,
    sent,
    lost,
  });
  const busRound = (alo: number, amo: number, lostAway = 0): BusRound => ({
    'at-least-once': { flood: figures(alo, 100, 0), paced: figures(1, 10, 0), away: figures(1, 50, 0) },
    'at-most-once': { flood: figures(amo, 100, 0), paced: figures(1, 10, 0), away: figures(1, 50, lostAway) },
  });

  test('bus: which backend won, and what each delivery lost while the subscriber was away, come from the figures', () => {
    const redisFaster = describeBus([busRound(20_000, 40_000)], [busRound(10_000, 12_000)]);
    const rabbitFaster = describeBus([busRound(10_000, 8_000, 5)], [busRound(20_000, 12_000, 7)]);
    expect(redisFaster).toContain('Redis Streams was the faster backend');
    expect(redisFaster).toContain('at most once lost 0 of 100 messages (Redis 0, RabbitMQ 0), none');
    expect(rabbitFaster).toContain('the broker was the faster backend');
    expect(rabbitFaster).toContain('dearer than at-least-once');
    expect(rabbitFaster).toContain(
      'at most once lost 12 of 100 messages (Redis 5, RabbitMQ 7): what is sent to nobody is gone',
    );
    expect(rabbitFaster).toContain('at least once lost none of 100');
  });

  const queue = (p50Ms: number, maxMs: number, extra: Partial<QueueFigures> = {}): QueueFigures => ({
    sent: 4000,
    refused: 0,
    unserved: 1500,
    lag: { p50Ms, p90Ms: maxMs, p99Ms: maxMs, maxMs },
    ...extra,
  });
  const overloaded = (refused: number, p50Ms: number, bytes: number): QueueFigures =>
    queue(p50Ms, 2 * p50Ms, {
      sent: 6000,
      refused,
      lastSecondP50Ms: p50Ms,
      broker: { messages: bytes / 1000, bytes, bytesBefore: 0 },
    });

  test('bus-queues: newest-first that keeps messages fresh and one that does not, bounded and unbounded queues, read differently', () => {
    const expected: BusQueueRounds = {
      fifo: [queue(1300, 2400)],
      newestFirst: [queue(40, 3100)],
      finite: [overloaded(2000, 700, 1_000_000)],
      unbounded: [overloaded(0, 1400, 3_000_000)],
    };
    const against: BusQueueRounds = {
      fifo: [queue(800, 1000)],
      newestFirst: [queue(1000, 1000)],
      finite: [overloaded(0, 300, 1_000_000)],
      unbounded: [overloaded(0, 300, 1_000_000)],
    };
    const went = describeBusQueues(expected, 3);
    const other = describeBusQueues(against, 1);
    expect(went).toContain("newest-first's median lag was 0.03× FIFO's (40 against 1,300 ms)");
    expect(went).toContain('taking the newest message first kept most messages fresh');
    expect(went).toContain('the backlog waits behind everything newer');
    expect(went).toContain('refused 2,000 of 6,000 sends and the unbounded one 0');
    expect(went).toContain('an unbounded queue takes every send and lets lag and memory grow');
    expect(other).toContain('newest-first left the median message older than FIFO did');
    expect(other).toContain('about as long either way');
    expect(other).toContain('refused 0 of 6,000 sends (none: it never filled in this run)');
    expect(other).toContain('memory was about the same either way');
    expect(other).not.toContain('kept most messages fresh');
  });

  test('images: warm faster than cold, and the other way, read differently', () => {
    const phase = (perSecond: number): Phase => ({
      phase: 'p',
      requests: 10,
      seconds: 1,
      perSecond,
      p50ms: 5,
      p99ms: 9,
      statuses: { 200: 10 },
    });
    expect(describeImages([phase(20)], [phase(2000)], 100, 12)).toContain(
      '100.00× the cold rate. Making a variant once',
    );
    expect(describeImages([phase(20)], [phase(10)], 0.5, 12)).toContain(
      'Warm was slower than cold in this run',
    );
  });

  const pinning = (stale: number, total: number, replicaReads: number, primaryReads: number) => ({
    samples: Array.from({ length: total }, (_, i) => ({
      kind: 'k',
      shardReads: 1,
      sinceWriteMs: 10,
      stale: i < stale,
    })),
    reads: new Map([
      ['replica/caught_up', replicaReads],
      ['primary/pinned', primaryReads],
    ]),
  });

  test('replicas: stale reads prevented, none to prevent, and some let through each read differently', () => {
    const result = (off: number, on: number): ReplicaBenchResult => ({
      off: pinning(off, 40, 30, 10),
      on: pinning(on, 40, 20, 20),
      primaryReads: { positions: 20, timeBased: 35 },
      throughput: [
        { round: 0, replicas: 1, rps: 300 },
        { round: 0, replicas: 0, rps: 290 },
      ],
    });
    expect(describeReplicas(result(7, 0))).toContain(
      'With pinning off, 7 of 40 reads showed the user an older state',
    );
    expect(describeReplicas(result(0, 0))).toContain('No read-back was stale even with pinning off');
    expect(describeReplicas(result(7, 2))).toContain('With pinning on, 2 of 40 reads were still stale');
    expect(describeReplicas(result(7, 0))).toContain(
      '75 % of shard reads with pinning off and 50 % with it on',
    );
  });

  test('reshard: no failed request and some failed requests read differently', () => {
    const result = (errors: Record<string, number>, during: number, after = 0.2): ReshardBenchResult =>
      ({
        relief: [
          { service: 'users', source: 'u_9_f', target: 'u_c0_ff', before: 0.4, after, targetAfter: 0.2 },
        ],
        jobs: [{ service: 'users', pauseMs: 40, rowsCopied: 10, verify: { rows: 10, differences: [] } }],
        load: {
          requests: { total: 1000 },
          errorsByStatus: errors,
          invariants: { checked: true, violations: [] },
        },
        window: { from: 5, to: 8 },
        rate: { before: 100, during, after: 100 },
      }) as unknown as ReshardBenchResult;
    const clean = describeReshard(result({}, 60));
    const failing = describeReshard(result({ 503: 4 }, 100, 0.45));
    expect(clean).toContain('Not one of the 1000 requests failed');
    expect(clean).toContain('0.60× that before them (copying rows');
    expect(failing).toContain('4 of 1000 requests failed');
    expect(failing).toContain('(the copy hardly showed in the traffic)');
    expect(clean).toContain(
      "its share of its service's row writes fell from 40 % to 20 % (users, the new shard taking 20 %)",
    );
    expect(failing).toContain('did not fall for every service (users 40 % → 45 %)');
  });

  const measurement = (requestsPerSecond: number, failures = 0): Measurement => ({
    requestsPerSecond,
    p50Ms: 5,
    p99Ms: 20,
    failures,
    requests: requestsPerSecond * 5,
    cpuMsPerRequest: {},
  });

  test('workers: a second instance that helps, one that costs, and a kill with and without failures read differently', () => {
    const calm = { failed: 0, recoveredMs: 0, lowestShare: 0.9 };
    const dip = { failed: 12, recoveredMs: 350, lowestShare: 0.2 };
    const helped = describeWorkers([measurement(1000)], [measurement(1500)], 1.5, measurement(1400), calm);
    const cost = describeWorkers([measurement(1000)], [measurement(700)], 0.7, measurement(600, 12), dip);
    expect(helped).toContain('The second instance added throughput');
    expect(helped).toContain('not one of 7000 requests failed');
    expect(helped).toContain('there was nothing to recover from');
    expect(cost).toContain('A second instance cost throughput on this machine');
    expect(cost).toContain('12 of 3000 requests failed');
    expect(cost).toContain('350 ms after the kill');
  });

  test('workers: the time to recover is read from the windows after the kill, the last partial one left out', () => {
    const windows = (oks: number[], failedAt: number[] = []) =>
      oks.map((ok, i) => ({ ok, failed: failedAt.includes(i) ? 1 : 0 }));
    // 100 ms windows from t=1000; the kill at 1450 falls in window 4.
    const timeline = (oks: number[], failedAt?: number[]) => ({
      startedAt: 1000,
      windowMs: 100,
      windows: windows(oks, failedAt),
    });
    const smooth = recoveryOf(timeline([50, 100, 100, 100, 100, 90, 95, 100, 10]), 1450);
    expect(smooth).toEqual({ failed: 0, recoveredMs: 0, lowestShare: 0.9 });
    const dipped = recoveryOf(timeline([50, 100, 100, 100, 100, 20, 40, 80, 100, 3], [5]), 1450);
    // Windows 5 (a failure, 20 answered) and 6 (40: under half) are disturbed; 6 ends at 1700.
    expect(dipped).toEqual({ failed: 1, recoveredMs: 250, lowestShare: 0.2 });
  });

  test('shards: the listing slower or faster with four shards, and the layouts, come from the figures', () => {
    const listing = target(100, {});
    const slower = describeShards(target(400, {}), listing, 0.25, { talk: 0.45, even: 0.26 });
    const faster = describeShards(target(100, {}), target(150, {}), 1.5, { talk: 0.26, even: 0.27 });
    expect(slower).toContain('0.25× the rate with four shards');
    expect(slower).toContain('more shards make a scatter-gather read dearer');
    expect(slower).toContain('the largest held 45 %');
    expect(slower).toContain('the uneven layout makes one shard the hot spot');
    expect(faster).toContain('faster with more shards');
    expect(faster).toContain('spread this run');
  });

  test('shards: writes slower, the same and faster on four shards read differently, and each says why one server cannot show headroom', () => {
    const writes = (rps: number, postgres: number) => ({
      ...target(rps, { postgres }),
      median: { requestsPerSecond: rps, p50Ms: 20, p99Ms: 60, cpuMsPerRequest: { postgres } },
    });
    const slower = describeShardWrites(writes(400, 0.4), writes(240, 0.8), 0.6, 5);
    const same = describeShardWrites(writes(400, 0.4), writes(410, 0.4), 1.02, 5);
    const faster = describeShardWrites(writes(400, 0.4), writes(600, 0.3), 1.5, 5);
    expect(slower).toContain('0.60× the rate with four shards as with one (240 against 400 writes/s');
    expect(slower).toContain(
      'four shards were slower: the same load went through four pools (20 connections against 5)',
    );
    expect(slower).toContain('Postgres spent 0.80 ms of CPU per write with four shards and 0.40 ms with one');
    expect(same).toContain('no gain from four shards');
    expect(faster).toContain(
      'faster with four shards even on one server: with a pool of 5 connections per shard, 20 writes',
    );
    for (const text of [slower, same, faster])
      expect(text).toContain('when the shards get machines of their own');
    expect(describeShardWrites(target(400, {}), target(400, {}), 1, 5)).not.toContain('Postgres spent');
  });

  test('shard-down: fast refusals, slow ones, writes that got through, a replica taking over or not, and a failure that spread read differently', () => {
    const writes = (ok: number, ms: number[]): WriteTally => ({
      ok,
      failed: ok < ms.length ? { 503: ms.length - ok } : {},
      ms,
    });
    const phase = (
      o: Partial<{
        onShard: number;
        elsewhere: number;
        partial: number;
        replica: number;
        on: number;
        ms: number[];
      }>,
    ): ShardDownPhase => ({
      onShard: { asked: 100, ok: o.onShard ?? 100, partial: 0 },
      elsewhere: { asked: 100, ok: o.elsewhere ?? 100, partial: 0 },
      listing: { asked: 50, ok: 50, partial: o.partial ?? 0 },
      replicaReads: o.replica ?? 0,
      writesOnShard: writes(o.on ?? 4, o.ms ?? [10, 12, 14, 16]),
      writesElsewhere: writes(4, [10, 12, 14, 16]),
    });
    const up = [phase({ replica: 150 })];
    const served = describeShardDown(up, [phase({ replica: 150, on: 0, ms: [8, 9, 30, 40] })]);
    expect(served).toContain('every one of 4 edits of its events was refused (503 × 4), fast');
    expect(served).toContain('after 9 ms at the median, 40 ms at most');
    expect(served).toContain(
      "still answered (100 %; 100 % with it up): its streaming replica served 150 of the shard's reads (pages and the listing's part; 150 with the primary up",
    );
    expect(served).toContain('the failure stayed on one range of keys');
    expect(served).toContain('none marked partial');
    const refused = describeShardDown(up, [
      phase({ onShard: 0, elsewhere: 60, partial: 50, on: 0, ms: [900, 1500, 2000, 2500] }),
    ]);
    expect(refused).toContain('refused (503 × 4), but slowly (1,500 ms at the median, 2,500 ms at most)');
    expect(refused).toContain(
      "answered 0 % of the time (100 % with it up; its replica served 0 of the shard's reads)",
    );
    expect(refused).toContain('suffered too (60 % answered');
    expect(refused).toContain('50 of 50 pages came back partial');
    expect(describeShardDown(up, [phase({ replica: 150 })])).toContain(
      '4 of 4 edits of its events succeeded, which a stopped primary cannot do',
    );
  });
});
