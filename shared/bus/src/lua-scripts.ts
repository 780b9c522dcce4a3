import type { Redis } from 'ioredis';
import { ACK_AND_TRIM, DEAD_LETTER, PUBLISH, REBALANCE, RECOVER, RELEASE } from './lua-sources';

/*
 * Typed wrappers of the bus's Lua scripts (lua-sources.ts). Each takes named arguments and lays
 * them out as the script's KEYS and ARGV, so no call site passes a bare positional list.
 */

/** The raw commands ioredis defines for the scripts: (numKeys, ...keys, ...args). */
interface RawScripts {
  busPublish(...keysAndArgs: (string | number)[]): Promise<string[]>;
  busAckAndTrim(...keysAndArgs: (string | number)[]): Promise<number>;
  busDeadLetter(...keysAndArgs: (string | number)[]): Promise<number>;
  busRecover(...keysAndArgs: (string | number)[]): Promise<[[string, string[]][], number[], number, number]>;
  busRebalance(...keysAndArgs: (string | number)[]): Promise<number[]>;
  busRelease(...keysAndArgs: (string | number)[]): Promise<number>;
}

const SOURCES: Record<keyof RawScripts, string> = {
  busPublish: PUBLISH,
  busAckAndTrim: ACK_AND_TRIM,
  busDeadLetter: DEAD_LETTER,
  busRecover: RECOVER,
  busRebalance: REBALANCE,
  busRelease: RELEASE,
};

declare const scripted: unique symbol;
/** A connection the scripts are registered on (withBusScripts). */
export type ScriptedRedis = Redis & { readonly [scripted]: true };

/** Registers the scripts on a connection (EVALSHA, falling back to EVAL once per connection). */
export function withBusScripts(redis: Redis): ScriptedRedis {
  for (const [name, lua] of Object.entries(SOURCES)) {
    if (!(name in redis)) redis.defineCommand(name, { lua });
  }
  return redis as ScriptedRedis;
}

function raw(redis: ScriptedRedis): RawScripts {
  return redis as unknown as RawScripts;
}

/** Runs a script: KEYS first (their count is the script's numKeys), then ARGV. */
function run<R>(
  call: (...keysAndArgs: (string | number)[]) => Promise<R>,
  keys: string[],
  args: (string | number)[],
): Promise<R> {
  return call(keys.length, ...keys, ...args);
}

/**
 * Adds every message to its partition stream, all or none; rejects with "BUSFULL <backlog>"
 * when the topic's unacknowledged backlog would pass `capacity`. Resolves with the stream ids.
 */
export function publishToPartitions(
  redis: ScriptedRedis,
  to: { streams: string[]; capacity: number; messages: { partition: number; json: string }[] },
): Promise<string[]> {
  const pairs = to.messages.flatMap((m) => [m.partition, m.json]);
  const r = raw(redis);
  return run(r.busPublish.bind(r), to.streams, [to.capacity, to.messages.length, ...pairs]);
}

/** Acknowledges entries of one partition stream, then trims what every group has acknowledged. */
export function ackAndTrim(
  redis: ScriptedRedis,
  ack: { stream: string; group: string; ids: string[] },
): Promise<number> {
  const r = raw(redis);
  return run(r.busAckAndTrim.bind(r), [ack.stream], [ack.group, ...ack.ids]);
}

/** Copies a pending entry to the dead-letter stream and acks it, atomically; 0 if no longer pending. */
export function moveToDeadLetter(
  redis: ScriptedRedis,
  entry: {
    stream: string;
    deadLetterStream: string;
    group: string;
    streamId: string;
    json: string;
    deliveries: number;
    reason: string;
    deadLetterMaxLength: number;
  },
): Promise<number> {
  const r = raw(redis);
  return run(
    r.busDeadLetter.bind(r),
    [entry.stream, entry.deadLetterStream],
    [entry.group, entry.streamId, entry.json, entry.deliveries, entry.reason, entry.deadLetterMaxLength],
  );
}

export interface Recovered {
  /** Entries claimed because they sat idle past the visibility timeout, in XCLAIM's reply shape. */
  claimed: [string, string[]][];
  /** The delivery count of each claimed entry, this delivery included. */
  counts: number[];
  /** Entries other consumers still hold on this stream. */
  others: number;
  /** Entries I hold on this stream. */
  mine: number;
}

/**
 * Claims up to `count` entries of one stream idle past `visibilityTimeoutMs`, and up to `count`
 * of each gone consumer's entries however recent; counts who holds the rest.
 */
export async function reclaimStale(
  redis: ScriptedRedis,
  from: {
    stream: string;
    group: string;
    consumer: string;
    visibilityTimeoutMs: number;
    count: number;
    gone: readonly string[];
  },
): Promise<Recovered> {
  const r = raw(redis);
  const [claimed, counts, others, mine] = await run(
    r.busRecover.bind(r),
    [from.stream],
    [from.group, from.consumer, from.visibilityTimeoutMs, from.count, ...from.gone],
  );
  return { claimed, counts, others, mine };
}

/** Heartbeat and rebalance in one step; resolves with my fair share and the partitions I own. */
export async function renewAndRebalance(
  redis: ScriptedRedis,
  lease: {
    members: string;
    connected: string;
    leases: string[];
    consumer: string;
    leaseMs: number;
    offset: number;
    gone: readonly string[];
  },
): Promise<{ fair: number; owned: number[] }> {
  const r = raw(redis);
  const [fair, ...owned] = await run(
    r.busRebalance.bind(r),
    [lease.members, lease.connected, ...lease.leases],
    [lease.consumer, lease.leaseMs, lease.offset, ...lease.gone],
  );
  return { fair, owned };
}

/** Deletes those of `leases` that `consumer` holds (compare-and-delete). */
export function releaseLeases(
  redis: ScriptedRedis,
  release: { leases: string[]; consumer: string },
): Promise<number> {
  const r = raw(redis);
  return run(r.busRelease.bind(r), release.leases, [release.consumer]);
}
