/** How a topic delivers. */
export type Delivery = 'at-least-once' | 'at-most-once';

/**
 * A topic's shape. Every process that publishes or subscribes to a topic must agree on
 * `partitions` (the bus checks it against Redis and throws TopicMismatchError if not).
 */
export interface TopicOptions {
  /**
   * `at-least-once` (default): a Redis stream per partition, consumer groups, acks, redelivery
   * and a dead-letter stream — for domain events. `at-most-once`: Redis PUBLISH/SUBSCRIBE, every
   * live subscriber gets each message once or not at all — for cache invalidation and wake-ups,
   * where a lost message costs a stale read or a poll, and latency matters more.
   */
  delivery?: Delivery;
  /**
   * Streams the topic is split into. Default 8: more than the consumers a group runs locally
   * (2 instances per service), so partitions can be spread, while one XREADGROUP still covers
   * them all. Per-key order holds within a partition.
   */
  partitions?: number;
  /**
   * Messages not yet acknowledged by every group that the topic may hold before `publish`
   * throws BusFullError. Default 100 000: ~50 MB of Redis for 500-byte envelopes, and at least
   * 10 s of traffic at the benchmark's rate, so a consumer outage is caught long before Redis
   * runs out of memory.
   */
  capacity?: number;
  /**
   * Entries kept in the dead-letter stream (approximate MAXLEN, oldest dropped). Default 10 000:
   * it is for humans to inspect, and must be finite too.
   */
  deadLetterMaxLength?: number;
  /**
   * Consumer groups known in advance. RabbitMQ only: their queues are declared on the first
   * publish, so messages published before a group's first consumer starts are kept (a publish
   * no queue takes is refused with BusUnroutableError, and the outbox relay retries it). Redis
   * keeps them anyway: a stream without groups keeps everything. Default: none.
   */
  groups?: string[];
}

export type ResolvedTopic = Required<TopicOptions> & { name: string };

export const TOPIC_DEFAULTS: Readonly<Required<TopicOptions>> = Object.freeze({
  delivery: 'at-least-once',
  partitions: 8,
  capacity: 100_000,
  deadLetterMaxLength: 10_000,
  groups: [],
});

const TOPIC_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

export function resolveTopic(name: string, options: TopicOptions | undefined): ResolvedTopic {
  if (!TOPIC_NAME.test(name))
    throw new Error(`invalid topic name "${name}": letters, digits, . _ - (max 100)`);
  const resolved: ResolvedTopic = { ...TOPIC_DEFAULTS, ...options, name };
  if (!Number.isInteger(resolved.partitions) || resolved.partitions < 1 || resolved.partitions > 256) {
    throw new Error(`topic ${name}: partitions must be an integer in 1..256`);
  }
  if (!Number.isInteger(resolved.capacity) || resolved.capacity < 1)
    throw new Error(`topic ${name}: capacity must be >= 1`);
  return resolved;
}

/**
 * Redis key names of a topic. The topic sits in a hash tag (`{orders}`), so every key a script
 * touches for one topic lands in one Redis Cluster slot.
 */
export class TopicKeys {
  constructor(
    private readonly prefix: string,
    readonly topic: ResolvedTopic,
  ) {}

  private get base(): string {
    return `${this.prefix}{${this.topic.name}}`;
  }
  stream(partition: number): string {
    return `${this.base}:${partition}`;
  }
  streams(): string[] {
    return Array.from({ length: this.topic.partitions }, (_, p) => this.stream(p));
  }
  deadLetter(): string {
    return `${this.base}:dead`;
  }
  meta(): string {
    return `${this.base}:meta`;
  }
  channel(): string {
    return `${this.base}:broadcast`;
  }
  members(group: string): string {
    return `${this.base}:${group}:members`;
  }
  /** The members that keep a connection named after themselves (consumer-liveness.ts). */
  connected(group: string): string {
    return `${this.base}:${group}:connected`;
  }
  leases(group: string): string[] {
    return Array.from({ length: this.topic.partitions }, (_, p) => `${this.base}:${group}:lease:${p}`);
  }
}
