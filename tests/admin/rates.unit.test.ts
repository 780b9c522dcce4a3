import { p99Between, ratePerSecond } from '../../gateway/src';

const histogram = (count: number, buckets: [number | null, number][]) => ({ count, buckets });

describe('the topology page figures', () => {
  test('when a counter grew by 300 in 1.5 s, then the rate is 200/s', () => {
    expect(ratePerSecond(1300, 1000, 1.5)).toBe(200);
  });

  test('when a counter went backwards (the process restarted), or there is no earlier figure, then the rate is unknown', () => {
    expect(ratePerSecond(5, 1000, 1)).toBeNull();
    expect(ratePerSecond(5, undefined, 1)).toBeNull();
    expect(ratePerSecond(5, 1, null)).toBeNull();
  });

  test('when 99 of 100 requests took under 5 ms and one under 50 ms, then p99 lies at the 5 ms bound', () => {
    const before = histogram(100, [
      [0.005, 50],
      [0.05, 100],
      [null, 100],
    ]);
    const after = histogram(200, [
      [0.005, 149],
      [0.05, 200],
      [null, 200],
    ]);
    expect(p99Between(after, before)).toBe(5);
  });

  test('when half the window fell in 10-50 ms, then p99 is interpolated inside that bucket', () => {
    const after = histogram(100, [
      [0.01, 50],
      [0.05, 100],
      [null, 100],
    ]);
    // target 99 → 49 of the bucket's 50 requests → 10 + 40 × 49/50 = 49.2 ms
    expect(p99Between(after, undefined)).toBe(49.2);
  });

  test('when requests exceeded the last finite bound, then p99 is that bound', () => {
    expect(
      p99Between(
        histogram(10, [
          [10, 0],
          [null, 10],
        ]),
        undefined,
      ),
    ).toBe(10_000);
  });

  test('when nothing happened in the window, then p99 is unknown', () => {
    const same = histogram(10, [
      [0.005, 10],
      [null, 10],
    ]);
    expect(p99Between(same, same)).toBeNull();
  });
});
