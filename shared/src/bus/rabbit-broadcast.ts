import type { Channel, ChannelModel } from 'amqplib';
import type { BusMetrics } from './bus-metrics';
import { parseEnvelope, type Envelope } from './envelope';
import type { DeliveryContext, MessageHandler, Subscription } from './subscribe-options';
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
 * read or a poll.
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
    const channel = await (await this.deps.connection()).createChannel();
    channel.on('error', (err: unknown) => this.deps.events.error(err));
    await channel.assertExchange(this.deps.exchange, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, this.deps.exchange, '');
    await channel.consume(queue, (m) => m && this.deliver(m.content.toString()), { noAck: true });
    this.channel = channel;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.channel?.close().catch(() => undefined);
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
