import type { Envelope } from './envelope';

/** Where a delivery came from, for handlers that log or need the attempt number. */
export interface DeliveryContext {
  group: string;
  partition: number;
  /** The Redis stream entry id (empty for at-most-once broadcasts). */
  streamId: string;
  /** 1 on the first delivery; grows with each redelivery. */
  deliveryCount: number;
}

/**
 * Handles one message. Resolving acknowledges it; throwing leaves it unacknowledged, so it is
 * retried (and after `maxDeliveries`, dead-lettered). At-least-once means a handler may see a
 * message twice: make its effect idempotent (`runInInbox`).
 */
export type MessageHandler<P = unknown> = (
  message: Envelope<P>,
  context: DeliveryContext,
) => Promise<void> | void;

/**
 * Handles several messages of one partition at once, in stream order: resolving acknowledges
 * them all, throwing acknowledges none. It must be all-or-nothing (one transaction) and
 * idempotent per message (the inbox). A failed batch is retried one message at a time, with the
 * usual retry and dead-letter rules, so one poison message cannot hold the others back.
 */
export type BatchMessageHandler<P = unknown> = (
  messages: Envelope<P>[],
  context: Omit<DeliveryContext, 'streamId' | 'deliveryCount'>,
) => Promise<void>;

/** Options of one at-least-once subscription. Ignored by at-most-once topics except `consumerName`. */
export interface SubscribeOptions {
  /**
   * Partitions this consumer handles at the same time; within a partition messages are handled
   * one at a time, in order. Default 8 (the default partition count): all of a consumer's
   * partitions progress at once, and with 2+ consumers each gets fewer partitions anyway.
   */
  concurrency?: number;
  /**
   * Entries read per partition per XREADGROUP, and acks sent per XACK. Default 100: amortises
   * a round trip over many messages (the benchmark's 10k+/s needs it) while holding at most
   * 100 unhandled messages per partition in memory.
   */
  batchSize?: number;
  /**
   * How long a delivered, unacknowledged message may stay idle before another consumer reclaims
   * it (the consumer that held it is presumed dead). Default 30 000 ms: well above a handler's
   * p99 (one transaction, ~10 ms) so a slow handler is not doubled, yet a crash is repaired in
   * half a minute.
   */
  visibilityTimeoutMs?: number;
  /**
   * Deliveries before a message moves to the topic's dead-letter stream. Default 5: enough to
   * ride out a shard failover (the backoff below spans ~15 s), few enough that a poison message
   * blocks its partition for seconds, not forever.
   */
  maxDeliveries?: number;
  /**
   * Wait before retrying a failed message; doubles with each attempt, capped at the visibility
   * timeout. Default 1000 ms: a transient error (a shard restarting) usually clears in seconds.
   */
  retryDelayMs?: number;
  /**
   * How long a consumer's claim on a partition lasts without a heartbeat (heartbeats run every
   * third of it). Default 10 000 ms: a dead consumer's partitions move to a live one within
   * 10 s, while a GC pause or a Redis blip of a few seconds does not make them bounce.
   */
  leaseMs?: number;
  /**
   * How long one XREADGROUP blocks when there is nothing to read. Default 2000 ms: short enough
   * that a partition gained in a rebalance is read promptly; close() does not wait for it
   * (the read is unblocked with CLIENT UNBLOCK).
   */
  blockMs?: number;
  /** Prefix of this consumer's name in the group (a random suffix is added). Default: the bus's producer. */
  consumerName?: string;
}

export type ResolvedSubscribeOptions = Required<Omit<SubscribeOptions, 'consumerName'>>;

export const SUBSCRIBE_DEFAULTS: Readonly<ResolvedSubscribeOptions> = Object.freeze({
  concurrency: 8,
  batchSize: 100,
  visibilityTimeoutMs: 30_000,
  maxDeliveries: 5,
  retryDelayMs: 1000,
  leaseMs: 10_000,
  blockMs: 2000,
});

export function resolveSubscribeOptions(options: SubscribeOptions = {}): ResolvedSubscribeOptions {
  const { consumerName: _ignored, ...rest } = options;
  const resolved = { ...SUBSCRIBE_DEFAULTS, ...rest };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`subscribe option ${name} must be an integer >= 1`);
  }
  return resolved;
}

/** A live subscription. */
export interface Subscription {
  readonly topic: string;
  readonly group: string;
  /** This consumer's name in the group. */
  readonly consumer: string;
  /** Stops reading, finishes the messages already delivered here, acks them, releases its partitions. */
  close(): Promise<void>;
}
