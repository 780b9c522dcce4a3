import { isUuid, newId } from '@boxoffice/platform';
import {
  EVEN_PRESET,
  ShardRouter,
  ShardSpec,
  TALK_PRESET,
  bucketOf,
  emailBucket,
  emailKey,
  newColocatedId,
  parseBucketRange,
  rangeName,
} from '@boxoffice/sharding';

function shards(ranges: string[]): ShardSpec[] {
  return ranges.map((text) => {
    const range = parseBucketRange(text);
    return { name: rangeName(range), range, primary: `postgres://x/${rangeName(range)}`, replicas: [] };
  });
}

describe('bucketOf', () => {
  test('when a key starts with two hex digits, then its bucket is their value', () => {
    expect(bucketOf('00aa')).toBe(0);
    expect(bucketOf('2f000000-0000-4000-8000-000000000000')).toBe(0x2f);
    expect(bucketOf('FF')).toBe(255);
  });

  test('when a key does not start with two hex digits, then it is refused with the key named', () => {
    expect(() => bucketOf('zz-top')).toThrow('shard key "zz-top" does not start with two hex digits');
    expect(() => bucketOf('a')).toThrow(/does not start/);
  });
});

describe('the talk preset', () => {
  const router = new ShardRouter('users', shards(['00-2f', '30-5f', '60-8f', '90-ff']));

  test('when routing the edges of each range, then each lands on the talk slide shard', () => {
    expect(router.shardForKey('00').name).toBe('0_2');
    expect(router.shardForKey('2f').name).toBe('0_2');
    expect(router.shardForKey('30').name).toBe('3_5');
    expect(router.shardForKey('8f').name).toBe('6_8');
    expect(router.shardForKey('90').name).toBe('9_f');
    expect(router.shardForKey('ff').name).toBe('9_f');
  });

  test('when built from TALK_PRESET, then it has the four talk ranges, the last holding 7/16 of keys', () => {
    expect(TALK_PRESET.map(rangeName)).toEqual(['0_2', '3_5', '6_8', '9_f']);
    const last = TALK_PRESET[3]!;
    expect((last.hi - last.lo + 1) / 256).toBe(7 / 16);
  });

  test('when built from EVEN_PRESET, then it has four quarters', () => {
    expect(EVEN_PRESET.map(rangeName)).toEqual(['0_3', '4_7', '8_b', 'c_f']);
    expect(
      () =>
        new ShardRouter(
          'events',
          shards(EVEN_PRESET.map((r) => `${r.lo.toString(16).padStart(2, '0')}-${r.hi.toString(16)}`)),
        ),
    ).not.toThrow();
  });
});

describe('a shard map that does not cover the key space exactly once', () => {
  test('when a range is missing, then start-up is refused naming the gap', () => {
    expect(() => new ShardRouter('users', shards(['00-2f', '60-8f', '90-ff']))).toThrow(
      'shard map for users has a gap: buckets 30-5f belong to no shard',
    );
  });

  test('when the map stops short of ff, then the trailing gap is named', () => {
    expect(() => new ShardRouter('events', shards(['00-7f', '80-fe']))).toThrow(
      'a gap: buckets ff belong to no shard',
    );
  });

  test('when two ranges overlap, then the overlap and both shards are named', () => {
    expect(() => new ShardRouter('tickets', shards(['00-3f', '30-7f', '80-ff']))).toThrow(
      'an overlap: buckets 30-3f are in shards 0_3 and 3_7',
    );
  });

  test('when the map is empty, then it is refused', () => {
    expect(() => new ShardRouter('users', [])).toThrow('shard map for users is empty');
  });

  test('when a range is written backwards or is not hex, then parsing names it', () => {
    expect(() => parseBucketRange('30-00')).toThrow('bucket range "30-00" starts after it ends');
    expect(() => parseBucketRange('0-2')).toThrow('"0-2" is not a bucket range');
  });
});

describe('ids', () => {
  test('when a child id is co-located with its owner, then it is a v4 UUID in the owner bucket', () => {
    for (let i = 0; i < 200; i++) {
      const owner = newId();
      const child = newColocatedId(owner);
      expect(isUuid(child)).toBe(true);
      expect(child[14]).toBe('4');
      expect(bucketOf(child)).toBe(bucketOf(owner));
      expect(child).not.toBe(owner);
    }
  });

  test('when many ids are generated, then every one of the talk shards gets some', () => {
    const router = new ShardRouter('users', shards(['00-2f', '30-5f', '60-8f', '90-ff']));
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const name = router.shardForKey(newId()).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['0_2', '3_5', '6_8', '9_f']);
    // 9_f holds 7/16 of the key space: expect 875 of 2000, give or take sampling noise.
    expect(counts.get('9_f')).toBeGreaterThan(750);
    expect(counts.get('9_f')).toBeLessThan(1000);
  });

  test('when two addresses differ only in case and spaces, then they share one email bucket', () => {
    expect(emailKey('  Ada@Example.COM ')).toBe(emailKey('ada@example.com'));
    expect(emailBucket('Ada@Example.com')).toBe(parseInt(emailKey('ada@example.com').slice(0, 2), 16));
    expect(emailKey('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('when an owner id has no bucket, then a co-located id is refused', () => {
    expect(() => newColocatedId('zz')).toThrow('owner id "zz" has no bucket');
  });
});
