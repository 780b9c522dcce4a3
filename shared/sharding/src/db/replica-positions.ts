/**
 * WAL positions (LSNs) and the per-shard positions a writer carries between requests.
 *
 * A position is Postgres's text form of an LSN, `<hi>/<lo>` in hex (e.g. `0/3016060`); compared
 * as the 64-bit number it stands for. A shard is named `<service>:<shard>` (e.g. `users:0_2`).
 */

/** Header a service answers a write with, and the gateway forwards on later reads. */
export const SHARD_POSITIONS_HEADER = 'x-shard-positions';

/**
 * At most this many positions are read from one header or cookie; more is not ours. 3 services ×
 * 16 ranges is already more shards than any topology here has (12).
 */
export const MAX_POSITIONS = 48;
/** A header longer than this is ignored whole (48 entries of ~30 characters fit). */
export const MAX_POSITIONS_TEXT = 2048;

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
/** `<service>:<shard name>`, the shard name as rangeName spells it (`0_2`, `00_17`). */
const SHARD_KEY = /^[a-z]{1,20}:[0-9a-f]{1,2}_[0-9a-f]{1,2}$/;

/** The LSN as a number, or undefined when `text` is not an LSN. */
export function parseLsn(text: string): bigint | undefined {
  const match = LSN.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Positions by shard key (`users:0_2`). */
export type ShardPositions = ReadonlyMap<string, bigint>;

export function shardKey(service: string, shard: string): string {
  return `${service}:${shard}`;
}

/**
 * Positions from `users:0_2=0/3016060,events:9_f=0/1A2B`. Entries that are not well formed are
 * skipped; text longer than MAX_POSITIONS_TEXT, or with more than MAX_POSITIONS entries, yields
 * none at all. Never throws: a bad position only costs freshness, never the request.
 */
export function parsePositions(text: string | undefined): Map<string, bigint> {
  const positions = new Map<string, bigint>();
  if (!text || text.length > MAX_POSITIONS_TEXT) return positions;
  const entries = text.split(',');
  if (entries.length > MAX_POSITIONS) return positions;
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) continue;
    const key = entry.slice(0, eq).trim();
    const lsn = parseLsn(entry.slice(eq + 1).trim());
    if (!SHARD_KEY.test(key) || lsn === undefined) continue;
    const known = positions.get(key);
    if (known === undefined || lsn > known) positions.set(key, lsn);
  }
  return positions;
}

/** The header form of `positions`, in key order (so equal maps give equal text). */
export function formatPositions(positions: ShardPositions): string {
  return [...positions.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, lsn]) => `${key}=${formatLsn(lsn)}`)
    .join(',');
}

/** Both maps' shards, each with the later of its positions. */
export function mergePositions(a: ShardPositions, b: ShardPositions): Map<string, bigint> {
  const merged = new Map(a);
  for (const [key, lsn] of b) {
    const known = merged.get(key);
    if (known === undefined || lsn > known) merged.set(key, lsn);
  }
  return merged;
}
