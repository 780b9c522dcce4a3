import type { Redis } from 'ioredis';
import type { Delivery } from './partition-state';
import type { TopicKeys } from './topic-options';

/** XREADGROUP's reply: per stream, its entries as [id, field/value list]. */
export type XReadReply = [string, [string, string[]][]][] | null;

/** Field/value list of a stream entry or an XINFO reply, as a record. */
export function fieldsOf(list: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) record[String(list[i])] = list[i + 1];
  return record;
}

/** Stream entries as deliveries, each counted as its `deliveryCount`-th delivery. */
export function deliveriesOf(
  entries: [string, string[]][],
  deliveryCount: (i: number) => number,
): Delivery[] {
  return entries.map(([streamId, fields], i) => ({
    streamId,
    raw: String(fieldsOf(fields).m ?? ''),
    deliveryCount: deliveryCount(i),
    retry: false,
  }));
}

/**
 * XREADGROUP of `consumer` over `streams`, from `from` ('>' for new entries, '0' for the ones it
 * already holds); blocks up to `blockMs` when given (on a connection of its own).
 */
export async function readGroup(
  redis: Redis,
  read: {
    group: string;
    consumer: string;
    count: number;
    blockMs?: number;
    streams: string[];
    from: '>' | '0';
  },
): Promise<XReadReply> {
  const block = read.blockMs === undefined ? [] : ['BLOCK', read.blockMs];
  return (await redis.call(
    'XREADGROUP',
    'GROUP',
    read.group,
    read.consumer,
    'COUNT',
    read.count,
    ...block,
    'STREAMS',
    ...read.streams,
    ...read.streams.map(() => read.from),
  )) as XReadReply;
}

/**
 * Creates the group on every partition stream. Start id 0, not $: messages published before
 * the group's first consumer started (a service booting after its producers) are still read.
 */
export async function ensureGroups(redis: Redis, keys: TopicKeys, group: string): Promise<void> {
  await Promise.all(
    keys.streams().map(async (stream) => {
      try {
        await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    }),
  );
}

/** Messages of the topic the group has not acknowledged: pending plus not yet delivered, over all partitions. */
export async function groupBacklog(redis: Redis, keys: TopicKeys, group: string): Promise<number> {
  const pipeline = redis.pipeline();
  for (const stream of keys.streams()) pipeline.call('XINFO', 'GROUPS', stream);
  const replies = (await pipeline.exec()) ?? [];
  let backlog = 0;
  for (const [err, reply] of replies) {
    if (err || !Array.isArray(reply)) continue;
    for (const raw of reply as unknown[][]) {
      const info = fieldsOf(raw);
      if (info.name !== group) continue;
      // lag is null when Redis cannot compute it (after XDEL); then only pending is counted.
      backlog += Number(info.pending ?? 0) + Number(info.lag ?? 0);
    }
  }
  return backlog;
}

/** Removes a consumer from the group on the partitions where it holds nothing (DELCONSUMER would drop its pending entries). */
export async function removeIdleConsumer(
  redis: Redis,
  keys: TopicKeys,
  group: string,
  consumer: string,
): Promise<void> {
  await Promise.all(
    keys.streams().map(async (stream) => {
      const pending = (await redis.xpending(stream, group, '-', '+', 1, consumer)) as unknown[];
      if (pending.length === 0) await redis.xgroup('DELCONSUMER', stream, group, consumer);
    }),
  );
}
