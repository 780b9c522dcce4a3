import { EventEmitter } from 'node:events';
import type { BatchMessage, BusOptions, ServiceBus } from './bus-contract';
import { BusClosedError } from './bus-errors';
import { BusMetrics } from './bus-metrics';
import { type Envelope, type OutgoingMessage, createEnvelope } from './envelope';
import type {
  BatchMessageHandler,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import { type ResolvedTopic, resolveTopic } from './topic-options';
import { processBatch, processMessage } from '@boxoffice/tracing';

/**
 * What both backends share: the contract's convenience methods, envelopes, events, and the
 * topics' resolved settings with the backend's names for them (T).
 */
export abstract class BusBase<O extends BusOptions, T extends { topic: ResolvedTopic }>
  extends EventEmitter
  implements ServiceBus
{
  abstract readonly backend: 'redis' | 'rabbitmq';
  readonly metrics: BusMetrics;
  protected closed = false;
  protected readonly subscriptions = new Set<Subscription>();
  private readonly topics = new Map<string, T>();

  constructor(protected readonly options: O) {
    super();
    this.metrics = new BusMetrics(options.metrics);
  }

  abstract publishBatch<P>(topic: string, messages: BatchMessage<P>[]): Promise<Envelope<P>[]>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
  /** The backend's names for a topic. */
  protected abstract namesOf(prefix: string, topic: ResolvedTopic): T;
  protected abstract subscribeWith(
    topic: string,
    group: string,
    handler: MessageHandler,
    batchHandler: BatchMessageHandler | undefined,
    options: SubscribeOptions,
  ): Promise<Subscription>;

  /** Resolved settings and the backend's names of a topic. */
  topic(name: string): T {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = this.namesOf(this.options.keyPrefix, resolveTopic(name, this.options.topics?.[name]));
      this.topics.set(name, topic);
    }
    return topic;
  }

  /**
   * Publishes one message; resolves once the bus server holds it. Throws BusFullError when the
   * topic is at capacity (at-least-once topics only).
   */
  async publish<P>(topic: string, key: string, message: OutgoingMessage<P>): Promise<Envelope<P>> {
    const [envelope] = await this.publishBatch(topic, [{ ...message, key }]);
    return envelope;
  }

  /**
   * Subscribes a consumer of `group` to a topic. At-least-once topics: the group shares the
   * topic's messages (each goes to one consumer of the group), with the options' redelivery
   * rules. At-most-once topics: every subscription gets every message; `group` only labels metrics.
   */
  subscribe<P>(
    topic: string,
    group: string,
    handler: MessageHandler<P>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const traced: MessageHandler = (message, context) =>
      processMessage(message, context, () => Promise.resolve((handler as MessageHandler)(message, context)));
    return this.subscribeWith(topic, group, traced, undefined, options);
  }

  /**
   * Like `subscribe`, for an at-least-once topic, but hands runs of up to `batchSize` messages
   * of one partition to `handler` at once, so it can apply them in one transaction (a hot key's
   * backlog then costs one commit per batch instead of one per message). Order per key holds.
   */
  async subscribeBatch<P>(
    topic: string,
    group: string,
    handler: BatchMessageHandler<P>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.topic(topic).topic.delivery !== 'at-least-once') {
      throw new Error(`subscribeBatch needs an at-least-once topic; ${topic} is at-most-once`);
    }
    const batch: BatchMessageHandler = (messages, context) =>
      processBatch(topic, messages, context, () =>
        Promise.resolve(handler(messages as Envelope<P>[], context)),
      );
    const one: MessageHandler = (message, context) =>
      batch([message], { group: context.group, partition: context.partition });
    return this.subscribeWith(topic, group, one, batch, options);
  }

  /** The messages' envelopes, stamped with this producer; throws once the bus is closed. */
  protected envelopesOf<P>(topic: string, messages: BatchMessage<P>[]): Envelope<P>[] {
    if (this.closed) throw new BusClosedError();
    return messages.map(({ key, ...message }) => createEnvelope(topic, key, message, this.options.producer));
  }

  /** A subscription as the caller sees it: closing it also forgets it here. */
  protected track(inner: Subscription): Subscription {
    const subscription: Subscription = {
      topic: inner.topic,
      group: inner.group,
      consumer: inner.consumer,
      close: async () => {
        this.subscriptions.delete(subscription);
        await inner.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  protected subscriptionEvents(): SubscriptionEvents {
    return {
      error: (err: unknown) => this.emitError(err),
      handlerError: (...args: unknown[]) => this.emit('handlerError', ...args),
      deadLettered: (...args: unknown[]) => this.emit('deadLettered', ...args),
    };
  }

  protected emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
