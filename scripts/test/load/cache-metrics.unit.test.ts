import { cacheDelta, levelHitRatio, overallHitRatio, parseCacheCounts } from '../../load/cache-metrics';

const exposition = (
  hits: number,
  misses: number,
) => `# HELP cache_requests_total Cache lookups by entity and result
# TYPE cache_requests_total counter
cache_requests_total{entity="event",result="hit",service="events"} ${hits}
cache_requests_total{entity="event",result="miss",service="events"} ${misses}
http_request_duration_seconds_count{method="GET",route="/api/events/:id",status="200",service="events"} 99
`;

describe('cache counters from /metrics', () => {
  test('when two instances report, then their counters are summed per entity and result', () => {
    const counts = parseCacheCounts(exposition(10, 2));
    parseCacheCounts(exposition(5, 1), counts);

    expect(Object.fromEntries(counts.get('event l2')!)).toEqual({ hit: 15, miss: 3 });
    expect(counts.size).toBe(1);
  });

  test('the hit ratio is over the lookups between the two scrapes only', () => {
    const before = parseCacheCounts(exposition(100, 50));
    const after = parseCacheCounts(exposition(190, 60));

    expect(cacheDelta(before, after)).toEqual([
      {
        entity: 'event',
        level: 'l2',
        hit: 90,
        miss: 10,
        negativeHit: 0,
        stale: 0,
        error: 0,
        bypass: 0,
        hitRatio: 0.9,
      },
    ]);
  });

  test('when the cache is disabled, then bypassed lookups make the hit ratio 0', () => {
    const after = parseCacheCounts(
      'cache_requests_total{entity="user",result="bypass",service="users"} 40\n',
    );

    expect(cacheDelta(new Map(), after)).toEqual([
      {
        entity: 'user',
        level: 'l2',
        hit: 0,
        miss: 0,
        negativeHit: 0,
        stale: 0,
        error: 0,
        bypass: 40,
        hitRatio: 0,
      },
    ]);
  });

  test('when an entity had no lookups during the run, then it is left out', () => {
    const same = parseCacheCounts(exposition(10, 2));

    expect(cacheDelta(same, parseCacheCounts(exposition(10, 2)))).toEqual([]);
  });

  test('with memory in front of Redis, then each level has its own hit ratio, and what reached the shard is counted once', () => {
    const after = parseCacheCounts(
      [
        'cache_requests_total{entity="event",level="l1",result="hit",service="events"} 900',
        'cache_requests_total{entity="event",level="l1",result="miss",service="events"} 100',
        'cache_requests_total{entity="event",level="l2",result="hit",service="events"} 60',
        'cache_requests_total{entity="event",level="l2",result="miss",service="events"} 30',
        'cache_requests_total{entity="event",level="l2",result="stale",service="events"} 10',
      ].join('\n'),
    );

    const stats = cacheDelta(new Map(), after);

    expect(stats.map((s) => [s.level, s.hitRatio])).toEqual([
      ['l1', 0.9],
      ['l2', 0.6],
    ]);
    expect(levelHitRatio(stats, 'l1')).toBe(0.9);
    expect(levelHitRatio(stats, 'l2')).toBe(0.6);
    // 40 of 1000 lookups loaded from the shard (30 misses, 10 stale copies).
    expect(overallHitRatio(stats)).toBeCloseTo(0.96, 5);
  });

  test('when a cache is in memory only (the listing pages), then its l1 misses and bypasses count as shard reads', () => {
    const after = parseCacheCounts(
      [
        'cache_requests_total{entity="event",level="l1",result="hit",service="events"} 900',
        'cache_requests_total{entity="event",level="l1",result="miss",service="events"} 100',
        'cache_requests_total{entity="event",level="l2",result="hit",service="events"} 100',
        'cache_requests_total{entity="event_listing",level="l1",result="hit",service="events"} 80',
        'cache_requests_total{entity="event_listing",level="l1",result="miss",service="events"} 15',
        'cache_requests_total{entity="event_listing",level="l1",result="bypass",service="events"} 5',
      ].join('\n'),
    );
    // 1100 lookups; the events never reached a shard, 20 listing lookups did.
    expect(overallHitRatio(cacheDelta(new Map(), after))).toBeCloseTo(1 - 20 / 1100, 5);
  });
});
