import { partitionOf } from '@boxoffice/bus';

describe('partitionOf', () => {
  test('when the same key is hashed twice, then it lands in the same partition', () => {
    expect(partitionOf('order-42', 8)).toBe(partitionOf('order-42', 8));
  });

  test('when a key is hashed, then the partition is FNV-1a of its UTF-8 bytes modulo the count', () => {
    // FNV-1a("a") = 0xe40c292c, a published test vector.
    expect(partitionOf('a', 0x1_0000)).toBe(0xe40c292c % 0x1_0000);
    expect(partitionOf('', 7)).toBe(0x811c9dc5 % 7);
  });

  test('when many UUID keys are hashed, then every partition gets a fair share', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(crypto.randomUUID(), 8)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  test('when the partition count is not a positive integer, then it throws', () => {
    expect(() => partitionOf('k', 0)).toThrow(RangeError);
    expect(() => partitionOf('k', 1.5)).toThrow(RangeError);
  });
});
