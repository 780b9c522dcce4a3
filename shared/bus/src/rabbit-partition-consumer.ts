import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BusMetrics } from './bus-metrics';
import { parseEnvelope, type Envelope } from './envelope';
import type {
  BatchMessageHandler,
  DeliveryContext,
  MessageHandler,
  ResolvedSubscribeOptions,
} from './subscribe-options';
import { BatchFill } from './rabbit-batch-fill';
import { rejoinLater } from './rabbit-rejoin';
import type { SubscriptionEvents } from './subscription-events';

export interface PartitionConsumerDeps {
  connection(): Promise<ChannelModel>;
  topic: string;
  group: string;
  partition: number;
  queue: string;
  consumerTag: string;
  handler: MessageHandler;
  batchHandler?: BatchMessageHandler;
  options: ResolvedSubscribeOptions;
  metrics: BusMetrics;
  events: SubscriptionEvents;
  /** Publishes a message that failed `maxDeliveries` times to the dead-letter queue (confirmed). */
  deadLetter(raw: Buffer, headers: Record<string, string | number>): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One consumer of one partition queue, on a channel of its own (prefetch `batchSize`). The queue
 * has single-active-consumer, so the broker delivers to one consumer of the group at a time; the
 * others wait and take over when its channel closes (the unacked messages go back to the head of
 * the queue, counted in `x-delivery-count`). Messages are handled one at a time, in order; a
 * failure is retried here, in place, with backoff — returning it to the broker would let the
 * messages behind it overtake it — and after `maxDeliveries` attempts it is dead-lettered.
 * With a batch handler, a batch smaller than batchSize first waits for the messages the broker
 * has ready for it (BatchFill), so a backlog arrives in full batches as on Redis.
 */
export class PartitionConsumer {
  /** When this consumer last got a delivery (ms): only the active consumer gets any. */
  lastDeliveryAt = 0;
  private channel: Channel | undefined;
  private buffer: ConsumeMessage[] = [];
  private draining: Promise<void> = Promise.resolve();
  private busy = false;
  private stopping = false;
  private readonly labels: { topic: string; group: string };
  private readonly fill: BatchFill;

  constructor(private readonly deps: PartitionConsumerDeps) {
    this.labels = { topic: deps.topic, group: deps.group };
    this.fill = new BatchFill(deps.queue, deps.options.batchSize);
  }

  /** Opens the channel and joins the queue's consumers (active, or waiting for its turn). */
  async open(): Promise<void> {
    const { queue, options, consumerTag } = this.deps;
    const channel = await (await this.deps.connection()).createChannel();
    channel.on('error', (err: unknown) => this.deps.events.error(err));
    channel.on('close', () => this.lost(channel));
    // A full batch must fit the window: BatchFill waits for up to batchSize unacked deliveries.
    await channel.prefetch(options.batchSize);
    this.channel = channel;
    this.buffer = [];
    await channel.consume(queue, (message) => this.receive(channel, message), {
      noAck: false,
      consumerTag: `${consumerTag}-${Date.now().toString(36)}`,
    });
  }

  /** Active on its queue: holding messages, or got one within `withinMs` (a waiting consumer gets none). */
  isActive(withinMs: number): boolean {
    return this.busy || this.buffer.length > 0 || Date.now() - this.lastDeliveryAt < withinMs;
  }

  get backlog(): number {
    return this.buffer.length;
  }

  /**
   * Gives the partition to the next waiting consumer of the group: after the message being
   * handled, close the channel (the rest of the prefetched messages go back to the queue's
   * head) and join the waiting consumers again.
   */
  async handOver(): Promise<void> {
    await this.stop();
    this.stopping = false;
    this.lastDeliveryAt = 0;
    await this.open();
  }

  /** Stops: finishes the message being handled, returns the rest to the queue, closes the channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.fill.poke();
    const channel = this.channel;
    this.channel = undefined;
    await this.draining;
    this.buffer = [];
    await channel?.close().catch(() => undefined);
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted): join again shortly.
      if (!this.stopping) this.lost(channel);
      return;
    }
    if (channel !== this.channel) return; // a closed channel's delivery: the broker requeues it
    this.lastDeliveryAt = Date.now();
    this.buffer.push(message);
    this.fill.poke();
    // Start on the next turn, not now: the rest of the frames that arrived with this one are
    // queued first, so a waiting backlog reaches a batch handler as a batch.
    if (!this.busy) {
      this.busy = true;
      this.draining = new Promise((resolve) => setImmediate(resolve)).then(() => this.drain(channel));
    }
  }

  /** The channel closed under us (broker restart, connection lost): join again in a second. */
  private lost(channel: Channel): void {
    if (this.stopping || channel !== this.channel) return;
    this.channel = undefined;
    this.buffer = [];
    this.fill.poke();
    this.rejoin();
  }

  private rejoin(): void {
    rejoinLater(
      () => this.open(),
      () => this.stopping || this.channel !== undefined,
      (err) => this.deps.events.error(err),
    );
  }

  private async drain(channel: Channel): Promise<void> {
    this.busy = true;
    try {
      const gone = () => this.stopping || channel !== this.channel;
      while (this.buffer.length > 0 && !gone()) {
        if (this.deps.batchHandler) {
          // A batch stops at a redelivery: with one held, more deliveries cannot make it longer.
          if (!this.buffer.some((m) => this.previousDeliveries(m) > 0))
            await this.fill.fill(channel, () => this.buffer.length, gone);
          if (gone()) break;
          if (await this.handleBatch(channel)) continue;
        }
        if (!(await this.handle(channel, this.buffer[0]))) break; // stopped while retrying it
        this.buffer.shift();
      }
    } catch (err) {
      this.deps.events.error(err); // the channel broke: its unacked messages are redelivered
    } finally {
      this.busy = false;
    }
  }

  /** Broker-side redeliveries before this one (a consumer died or handed over holding it). */
  private previousDeliveries(message: ConsumeMessage): number {
    const count = Number(message.properties.headers?.['x-delivery-count'] ?? 0);
    return count > 0 ? count : message.fields.redelivered ? 1 : 0;
  }

  private async handleBatch(channel: Channel): Promise<boolean> {
    const { batchHandler, options, metrics, group, partition } = this.deps;
    const run: ConsumeMessage[] = [];
    const messages: Envelope[] = [];
    for (const m of this.buffer) {
      if (run.length >= options.batchSize || this.previousDeliveries(m) > 0) break;
      try {
        messages.push(parseEnvelope(m.content.toString()));
      } catch {
        break; // the per-message path dead-letters it
      }
      run.push(m);
    }
    if (run.length < 2) return false;
    try {
      await batchHandler!(messages, { group, partition });
    } catch (err) {
      metrics.failed.inc(this.labels);
      this.deps.events.handlerError(err, messages[0], this.context(run[0], 1));
      return false;
    }
    const now = Date.now();
    for (const m of messages)
      metrics.lag.observe(this.labels, Math.max(0, now - Date.parse(m.occurredAt)) / 1000);
    channel.ack(run[run.length - 1], true); // everything before it is acked already
    this.buffer.splice(0, run.length);
    metrics.consumed.inc(this.labels, run.length);
    return true;
  }

  private context(message: ConsumeMessage, deliveryCount: number): DeliveryContext {
    const { group, partition } = this.deps;
    return { group, partition, streamId: String(message.fields.deliveryTag), deliveryCount };
  }

  /** Handles one message until it is acked or dead-lettered; false if stopped first (it stays unacked). */
  private async handle(channel: Channel, delivery: ConsumeMessage): Promise<boolean> {
    const { handler, options, metrics } = this.deps;
    let deliveryCount = this.previousDeliveries(delivery) + 1;
    // A message that keeps killing its consumer never reaches `catch` below; count it out here.
    if (deliveryCount > options.maxDeliveries) {
      const reason = `not acknowledged after ${deliveryCount - 1} deliveries`;
      await this.deadLetter(channel, delivery, reason, this.context(delivery, deliveryCount));
      return true;
    }
    let message: Envelope;
    try {
      message = parseEnvelope(delivery.content.toString());
    } catch (err) {
      await this.deadLetter(channel, delivery, (err as Error).message, this.context(delivery, deliveryCount));
      return true;
    }
    metrics.lag.observe(this.labels, Math.max(0, Date.now() - Date.parse(message.occurredAt)) / 1000);
    for (;;) {
      const context = this.context(delivery, deliveryCount);
      if (deliveryCount > 1) metrics.redelivered.inc(this.labels);
      try {
        await handler(message, context);
        channel.ack(delivery);
        metrics.consumed.inc(this.labels);
        return true;
      } catch (err) {
        metrics.failed.inc(this.labels);
        this.deps.events.handlerError(err, message, context);
        if (deliveryCount >= options.maxDeliveries) {
          const reason = err instanceof Error ? err.message : String(err);
          await this.deadLetter(channel, delivery, reason, context);
          return true;
        }
      }
      const backoff = options.retryDelayMs * 2 ** (deliveryCount - 1);
      await sleep(Math.min(backoff, options.visibilityTimeoutMs));
      if (this.stopping || channel !== this.channel) return false;
      deliveryCount += 1;
    }
  }

  /** Publishes a copy with the reason to the dead-letter queue (confirmed), then acks the original. */
  private async deadLetter(
    channel: Channel,
    delivery: ConsumeMessage,
    reason: string,
    context: DeliveryContext,
  ) {
    await this.deps.deadLetter(delivery.content, {
      group: this.deps.group,
      deliveries: context.deliveryCount,
      error: reason.slice(0, 1000),
    });
    channel.ack(delivery);
    this.deps.metrics.deadLettered.inc(this.labels);
    this.deps.events.deadLettered(reason, context);
  }
}
