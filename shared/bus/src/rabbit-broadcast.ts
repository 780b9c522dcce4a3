import type { Channel, ChannelModel } from 'amqplib';
import type { BusMetrics } from './bus-metrics';
import { parseEnvelope, type Envelope } from './envelope';
import type { DeliveryContext, MessageHandler, Subscription } from './subscribe-options';
import { rejoinLater } from './rabbit-rejoin';
import type { SubscriptionEvents } from './subscription-events';

export interface RabbitBroadcastDeps {
  connection(): Promise<ChannelModel>;
  exchange: string;
  topic: string;
  group: string;
  consumer: string;
  handler: MessageHandler;
  metrics: BusMetrics;
  events: Pick<SubscriptionEvents, 'error' | 'handlerError'>;
}

/**
 * At-most-once on RabbitMQ: the topic's fanout exchange copies each message to every bound
 * queue; each subscription binds an exclusive, auto-delete, server-named queue and consumes it
 * without acks. Nothing is kept for a subscriber that is away (its queue is gone with its
 * channel), which is the contract: no acks, no backlog, for messages whose loss costs a stale
 * read or a poll. A lost channel joins again by itself (`lost`).
 */
export class RabbitBroadcast implements Subscription {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  private channel: Channel | undefined;
  private closed = false;

  constructor(private readonly deps: RabbitBroadcastDeps) {
    this.topic = deps.topic;
    this.group = deps.group;
    this.consumer = deps.consumer;
  }

  async start(): Promise<void> {
    await this.join();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.channel?.close().catch(() => undefined);
  }

  /** Binds a fresh exclusive queue to the exchange and consumes it; a lost channel joins again. */
  private async join(): Promise<void> {
    const channel = await (await this.deps.connection()).createChannel();
    channel.on('error', (err: unknown) => this.deps.events.error(err));
    channel.on('close', () => this.lost(channel));
    await channel.assertExchange(this.deps.exchange, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, this.deps.exchange, '');
    this.channel = channel;
    // null: the broker cancelled the consumer (its queue was deleted).
    await channel.consume(queue, (m) => (m ? this.deliver(m.content.toString()) : this.lost(channel)), {
      noAck: true,
    });
  }

  /**
   * The channel closed or the consumer was cancelled (a dropped connection, a broker restart):
   * join again, a second later and until it works. What was broadcast meanwhile is lost, as
   * at-most-once allows; without this the subscription would stay deaf for good.
   */
  private lost(channel: Channel): void {
    if (this.closed || channel !== this.channel) return;
    this.channel = undefined;
    channel.close().catch(() => undefined);
    rejoinLater(
      () => this.join(),
      () => this.closed || this.channel !== undefined,
      (err) => this.deps.events.error(err),
    );
  }

  private deliver(raw: string): void {
    const { handler, metrics, events, group } = this.deps;
    let message: Envelope;
    try {
      message = parseEnvelope(raw);
    } catch (err) {
      events.error(err);
      return;
    }
    const context: DeliveryContext = { group, partition: 0, streamId: '', deliveryCount: 1 };
    const labels = { topic: this.topic, group };
    metrics.lag.observe(labels, Math.max(0, Date.now() - Date.parse(message.occurredAt)) / 1000);
    // Handlers run concurrently; a failure is reported and the message is gone (at most once).
    Promise.resolve()
      .then(() => handler(message, context))
      .then(
        () => metrics.consumed.inc(labels),
        (err: unknown) => {
          metrics.failed.inc(labels);
          events.handlerError(err, message, context);
        },
      );
  }
}
