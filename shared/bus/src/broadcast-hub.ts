import type { Redis } from 'ioredis';
import type { BusMetrics } from './bus-metrics';
import { parseEnvelope, type Envelope } from './envelope';
import type { DeliveryContext, MessageHandler, Subscription } from './subscribe-options';

export interface BroadcastEvents {
  error(err: unknown): void;
  handlerError(err: unknown, message: Envelope | undefined, context: DeliveryContext): void;
}

interface Listener {
  topic: string;
  group: string;
  handler: MessageHandler;
}

/**
 * At-most-once delivery over Redis PUBLISH/SUBSCRIBE: one subscriber connection per bus, every
 * live subscription gets every message of its topic, in publish order; nothing is stored, so a
 * subscriber that is down or reconnecting misses messages. That is the point: no acks, no
 * backlog, sub-millisecond latency, for messages whose loss costs a stale read or a poll.
 */
export class BroadcastHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly metrics: BusMetrics,
    private readonly events: BroadcastEvents,
  ) {
    subscriber.on('message', (channel: string, raw: string) => this.deliver(channel, raw));
  }

  async listen(channel: string, listener: Listener, consumer: string): Promise<Subscription> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      if (this.subscriber.status === 'wait') await this.subscriber.connect();
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return {
      topic: listener.topic,
      group: listener.group,
      consumer,
      close: async () => {
        if (!set.delete(listener) || set.size > 0) return;
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch((err: unknown) => this.events.error(err));
      },
    };
  }

  private deliver(channel: string, raw: string): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    let message: Envelope;
    try {
      message = parseEnvelope(raw);
    } catch (err) {
      this.events.error(err);
      return;
    }
    for (const { topic, group, handler } of set) {
      const context: DeliveryContext = { group, partition: 0, streamId: '', deliveryCount: 1 };
      const labels = { topic, group };
      this.metrics.lag.observe(labels, Math.max(0, Date.now() - Date.parse(message.occurredAt)) / 1000);
      // Handlers run concurrently; a failure is reported and the message is gone (at most once).
      Promise.resolve()
        .then(() => handler(message, context))
        .then(
          () => this.metrics.consumed.inc(labels),
          (err: unknown) => {
            this.metrics.failed.inc(labels);
            this.events.handlerError(err, message, context);
          },
        );
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
