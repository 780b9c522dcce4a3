import { z } from 'zod';

/**
 * What a bus reports about itself: per-process counters (`busCounts`) and, when asked, its
 * topics, groups and backlogs (`bus`). Both are parts of a service's `GET /internal/stats`
 * answer, which the gateway's topology page reads.
 */
const count = z.number().int().min(0);

export const busCountsSchema = z.object({
  topic: z.string(),
  group: z.string().nullable(),
  published: count,
  consumed: count,
  redelivered: count,
  deadLettered: count,
  failed: count,
});
export type BusCounts = z.infer<typeof busCountsSchema>;

export const streamGroupStatsSchema = z.object({
  name: z.string(),
  consumers: count,
  /**
   * Delivered to a consumer, not yet acknowledged; null when the bus cannot tell (RabbitMQ: a
   * queue's declare-ok counts only its ready messages).
   */
  pending: count.nullable(),
  /**
   * In the stream, not yet delivered to the group (Redis 7 `lag`; on RabbitMQ the ready messages
   * of the group's partition queues); null when the bus cannot tell.
   */
  undelivered: count.nullable(),
  /** Age of the oldest unacknowledged message of the group, in ms; null when none, or unknown (RabbitMQ). */
  oldestPendingMs: z.number().nullable(),
});

export const topicStatsSchema = z.object({
  name: z.string(),
  delivery: z.enum(['at-least-once', 'at-most-once']),
  partitions: count,
  /**
   * Entries held in the topic's streams (acknowledged ones are trimmed). On RabbitMQ, where each
   * group's queues hold a copy, the ready messages of the deepest group read.
   */
  length: count,
  /** Entries in the dead-letter stream (queue, on RabbitMQ). */
  deadLetters: count,
  groups: z.array(streamGroupStatsSchema),
});
export type TopicStats = z.infer<typeof topicStatsSchema>;

export const busStatsSchema = z.object({
  state: z.enum(['up', 'down', 'unknown']),
  reason: z.string().optional(),
  topics: z.array(topicStatsSchema),
});
export type BusStats = z.infer<typeof busStatsSchema>;
