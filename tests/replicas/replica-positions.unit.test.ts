import {
  MAX_POSITIONS,
  MAX_POSITIONS_TEXT,
  formatLsn,
  formatPositions,
  mergePositions,
  parseLsn,
  parsePositions,
} from '@boxoffice/sharding';
import {
  POSITIONS_TTL_SECONDS,
  decodePositions,
  encodePositions,
  positionsFromCookieHeader,
} from '../../gateway/src';

const KEY = 'k'.repeat(32);
const NOW = Date.UTC(2026, 0, 1);

describe('WAL positions', () => {
  test('when an LSN is parsed, then it is the 64-bit number Postgres means and formats back the same', () => {
    expect(parseLsn('0/3016060')).toBe(0x3016060n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848')!)).toBe('16/B374D848');
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
  });

  test('when an LSN is malformed, then it is not a position', () => {
    for (const bad of ['', '0', '0/', '/1', 'x/1', '123456789/0', '0/1/2', ' 0/1']) {
      expect(parseLsn(bad)).toBeUndefined();
    }
  });

  test('when a header lists positions, then each shard keeps its latest one', () => {
    const positions = parsePositions('users:0_2=0/10, events:9_f=0/20,users:0_2=0/30');
    expect(positions).toEqual(
      new Map([
        ['users:0_2', 0x30n],
        ['events:9_f', 0x20n],
      ]),
    );
    expect(formatPositions(positions)).toBe('events:9_f=0/20,users:0_2=0/30');
  });

  test('when a header holds bad entries, then only they are skipped', () => {
    const positions = parsePositions(
      'users:0_2=0/10,Users:0_2=0/1,events=0/1,tickets:3_5=zz,x:1_2=0/1=0/2, ,=',
    );
    expect([...positions.keys()]).toEqual(['users:0_2']);
  });

  test('when a header is oversized or has too many entries, then none of it is used', () => {
    const many = Array.from(
      { length: MAX_POSITIONS + 1 },
      (_, i) => `users:0_${(i % 16).toString(16)}=0/1`,
    ).join(',');
    expect(parsePositions(many).size).toBe(0);
    expect(parsePositions(`users:0_2=0/1,${' '.repeat(MAX_POSITIONS_TEXT)}`).size).toBe(0);
  });

  test('when two position maps merge, then the later position of each shard wins', () => {
    const merged = mergePositions(
      new Map([
        ['a:0_2', 5n],
        ['b:0_2', 9n],
      ]),
      new Map([
        ['a:0_2', 7n],
        ['b:0_2', 1n],
      ]),
    );
    expect(merged).toEqual(
      new Map([
        ['a:0_2', 7n],
        ['b:0_2', 9n],
      ]),
    );
  });
});

describe('the positions cookie', () => {
  const positions = new Map([
    ['users:0_2', 0x3016060n],
    ['tickets:9_f', 0x1n],
  ]);

  test('when positions are encoded, then they decode to the same positions', () => {
    expect(decodePositions(encodePositions(positions, [KEY], NOW), [KEY], NOW)).toEqual(positions);
  });

  test('when the cookie is tampered with, then its positions are ignored', () => {
    const value = encodePositions(positions, [KEY], NOW);
    const [, mac] = value.split('.');
    const forged = Buffer.from(JSON.stringify({ t: NOW / 1000, p: 'users:0_2=FFFFFFFF/0' })).toString(
      'base64url',
    );
    expect(decodePositions(`${forged}.${mac}`, [KEY], NOW).size).toBe(0);
    expect(decodePositions(`${value}x`, [KEY], NOW).size).toBe(0);
    expect(decodePositions(value, ['other-key'.repeat(4)], NOW).size).toBe(0);
  });

  test('when the cookie is oversized, then it is ignored before any crypto', () => {
    expect(decodePositions('a'.repeat(5000) + '.b', [KEY], NOW).size).toBe(0);
  });

  test('when the cookie is older than its lifetime, then its positions are ignored', () => {
    const value = encodePositions(positions, [KEY], NOW);
    expect(decodePositions(value, [KEY], NOW + (POSITIONS_TTL_SECONDS + 1) * 1000).size).toBe(0);
  });

  test('when a request has several positions cookies, then the valid ones are merged', () => {
    const a = encodePositions(new Map([['users:0_2', 5n]]), [KEY], NOW);
    const b = encodePositions(new Map([['users:0_2', 7n]]), [KEY], NOW);
    const header = `sid=x; sidpos=${a}; sidpos=garbage; sidpos=${b}`;
    expect(positionsFromCookieHeader(header, [KEY], NOW)).toEqual(new Map([['users:0_2', 7n]]));
  });
});
