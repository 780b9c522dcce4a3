/**
 * The partition of a key: FNV-1a (32 bit) of its UTF-8 bytes, modulo the partition count.
 * Stable across processes and Node versions (unlike a language hash), cheap, and well spread
 * for UUID keys. Every producer must use the same function and count, or per-key order breaks.
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions must be >= 1, got ${partitions}`);
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(key, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
