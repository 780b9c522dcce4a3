import type { Channel } from 'amqplib';
import type { ResolvedTopic } from './topic-options';

/**
 * Broker-side backstop of redeliveries per message (quorum queue `x-delivery-limit`). The
 * consumer counts a message out itself at the subscription's `maxDeliveries` (default 5), with
 * the handler's error as the reason; the broker's limit only catches a message that keeps
 * killing consumers before they can count it. 10: twice the default, so it never fires first
 * for a subscription with the default, while a crash loop still ends after ten deaths.
 */
export const BROKER_DELIVERY_LIMIT = 10;

/**
 * RabbitMQ names and queue arguments of one topic. Per topic: a direct exchange routing on the
 * partition number; per consumer group and partition, a quorum queue with single-active-consumer
 * (one consumer of the group handles a partition at a time: per-key FIFO); a dead-letter fanout
 * exchange and queue; a fanout exchange for at-most-once broadcasts.
 */
export class RabbitTopic {
  constructor(
    private readonly prefix: string,
    readonly topic: ResolvedTopic,
  ) {}

  private get base(): string {
    return `${this.prefix}${this.topic.name}`;
  }
  exchange(): string {
    return this.base;
  }
  queue(group: string, partition: number): string {
    return `${this.base}.${group}.${partition}`;
  }
  queues(group: string): string[] {
    return Array.from({ length: this.topic.partitions }, (_, p) => this.queue(group, p));
  }
  deadLetter(): string {
    return `${this.base}.dead`;
  }
  broadcast(): string {
    return `${this.base}.broadcast`;
  }
  /**
   * An empty queue every consumer of the group consumes, so its consumer count is the group's
   * size (a single-active-consumer queue reports only its active consumer).
   */
  members(group: string): string {
    return `${this.base}.${group}.members`;
  }
  /** An empty queue whose x-max-length records the partition count: redeclaring it otherwise fails (406). */
  shape(): string {
    return `${this.base}.shape`;
  }

  /**
   * Per partition queue, `capacity / partitions` (rounded up): RabbitMQ bounds each queue, not the
   * topic. A quorum queue accepts a publish while it holds at most x-max-length messages (so one
   * more than the limit), hence the -1.
   */
  partitionCapacity(): number {
    return Math.ceil(this.topic.capacity / this.topic.partitions);
  }

  /** Declares the exchange, the dead-letter exchange and queue, and the shape record. */
  async declare(channel: Channel): Promise<void> {
    await channel.assertQueue(this.shape(), {
      durable: true,
      arguments: { 'x-max-length': this.topic.partitions, 'x-overflow': 'reject-publish' },
    });
    await channel.assertExchange(this.exchange(), 'direct', { durable: true });
    await channel.assertExchange(this.deadLetter(), 'fanout', { durable: true });
    await channel.assertQueue(this.deadLetter(), {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-max-length': this.topic.deadLetterMaxLength },
    });
    await channel.bindQueue(this.deadLetter(), this.deadLetter(), '');
  }

  /** Declares a group's partition queues and binds each to its partition's routing key. */
  async declareGroup(channel: Channel, group: string): Promise<void> {
    for (let p = 0; p < this.topic.partitions; p++) {
      await channel.assertQueue(this.queue(group, p), {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-single-active-consumer': true,
          'x-max-length': Math.max(0, this.partitionCapacity() - 1),
          'x-overflow': 'reject-publish',
          'x-delivery-limit': BROKER_DELIVERY_LIMIT,
          'x-dead-letter-exchange': this.deadLetter(),
        },
      });
      await channel.bindQueue(this.queue(group, p), this.exchange(), String(p));
    }
  }
}
