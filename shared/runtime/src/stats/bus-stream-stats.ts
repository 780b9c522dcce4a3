import type { Redis } from '@boxoffice/platform';
import { TOPIC_DEFAULTS, type TopicOptions, type BusStats, type TopicStats } from '@boxoffice/bus';
import { redact } from './shard-stats';

/**
 * Bus figures read straight from Redis (XLEN, XINFO GROUPS, XPENDING), because the Redis Streams
 * bus has no stats method (the RabbitMQ bus has: RabbitBus.stats). The key names follow the
 * Redis Streams bus's layout (TopicKeys in shared/bus/src/topic-options.ts):
 * `<prefix>{topic}:<partition>`, `:dead`, `:meta`. When that bus grows a stats method, this file
 * is what to replace.
 */
function streamKey(prefix: string, topic: string, suffix: string | number): string {
  return `${prefix}{${topic}}:${suffix}`;
}

/** `[k1, v1, k2, v2…]` (how ioredis returns XINFO) as an object. */
function pairs(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** Milliseconds since the time part of a stream id (`<ms>-<seq>`). */
function ageOf(id: unknown, now: number): number | null {
  const ms = typeof id === 'string' ? Number(id.split('-')[0]) : NaN;
  return Number.isFinite(ms) ? Math.max(0, now - ms) : null;
}

type Reply = [Error | null, unknown][];

async function atLeastOnceTopic(redis: Redis, prefix: string, name: string): Promise<TopicStats> {
  const stored = Number(await redis.hget(streamKey(prefix, name, 'meta'), 'partitions'));
  const partitions = Number.isInteger(stored) && stored > 0 ? stored : TOPIC_DEFAULTS.partitions;
  const first = redis.pipeline();
  first.xlen(streamKey(prefix, name, 'dead'));
  for (let p = 0; p < partitions; p++) {
    first.xlen(streamKey(prefix, name, p));
    first.xinfo('GROUPS', streamKey(prefix, name, p));
  }
  const replies = ((await first.exec()) ?? []) as Reply;
  // Redis always tells a group's pending count.
  const groups = new Map<string, TopicStats['groups'][number] & { pending: number }>();
  const pendingOf: { partition: number; group: string }[] = [];
  let length = 0;
  for (let p = 0; p < partitions; p++) {
    length += Number(replies[1 + 2 * p]?.[1] ?? 0);
    const [err, info] = replies[2 + 2 * p] ?? [null, []];
    if (err) continue; // no such stream yet: nothing published to this partition
    for (const raw of info as unknown[][]) {
      const g = pairs(raw);
      const groupName = String(g.name);
      const row = groups.get(groupName) ?? {
        name: groupName,
        consumers: 0,
        pending: 0,
        undelivered: 0 as number | null,
        oldestPendingMs: null,
      };
      row.consumers = Math.max(row.consumers, Number(g.consumers ?? 0));
      row.pending += Number(g.pending ?? 0);
      row.undelivered =
        row.undelivered === null || g.lag === null || g.lag === undefined
          ? null
          : row.undelivered + Number(g.lag);
      if (Number(g.pending ?? 0) > 0) pendingOf.push({ partition: p, group: groupName });
      groups.set(groupName, row);
    }
  }
  if (pendingOf.length > 0) {
    const second = redis.pipeline();
    for (const { partition, group } of pendingOf) second.xpending(streamKey(prefix, name, partition), group);
    const now = Date.now();
    const summaries = ((await second.exec()) ?? []) as Reply;
    summaries.forEach(([err, summary], i) => {
      if (err) return;
      const age = ageOf((summary as unknown[])[1], now);
      const row = groups.get(pendingOf[i]!.group)!;
      if (age !== null) row.oldestPendingMs = Math.max(row.oldestPendingMs ?? 0, age);
    });
  }
  return {
    name,
    delivery: 'at-least-once',
    partitions,
    length,
    deadLetters: Number(replies[0]?.[1] ?? 0),
    groups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Stream figures of every topic the services use. Never rejects: a Redis failure is `down`. */
export async function busStreamStats(
  redis: Redis,
  prefix: string,
  topics: Record<string, TopicOptions>,
): Promise<BusStats> {
  try {
    if (redis.status === 'wait') await redis.connect();
    const stats = await Promise.all(
      Object.entries(topics).map(([name, options]) =>
        (options.delivery ?? TOPIC_DEFAULTS.delivery) === 'at-most-once'
          ? Promise.resolve<TopicStats>({
              name,
              delivery: 'at-most-once',
              partitions: 0,
              length: 0,
              deadLetters: 0,
              groups: [],
            })
          : atLeastOnceTopic(redis, prefix, name),
      ),
    );
    return { state: 'up', topics: stats };
  } catch (err) {
    return { state: 'down', reason: redact((err as Error).message), topics: [] };
  }
}
