import { EventEmitter } from 'node:events';
import type { RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import { type Redis, createRedisClient } from '../redis/redis-client';
import { BroadcastHub } from './broadcast-hub';
import { BusClosedError, BusFullError, TopicMismatchError } from './bus-errors';
import { BusMetrics } from './bus-metrics';
import { type Envelope, type OutgoingMessage, createEnvelope } from './envelope';
import { type ScriptedRedis, publishToPartitions, withBusScripts } from './lua-scripts';
import { partitionOf } from './partition';
import { StreamSubscription } from './stream-subscription';
import {
  type BatchMessageHandler,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
  resolveSubscribeOptions,
} from './subscribe-options';
import { TopicKeys, type TopicOptions, resolveTopic } from './topic-options';

export interface BusOptions {
  /** The bus Redis (topology `busUrl`). */
  url: string;
  /** Prefix of every key and channel, e.g. `${KEY_PREFIX}bus:`; tests use a random one. */
  keyPrefix: string;
  /** This process's name, written into every envelope (`producer`) and consumer name. */
  producer: string;
  /** Per-topic settings; a topic not listed gets TOPIC_DEFAULTS. */
  topics?: Record<string, TopicOptions>;
  /** Where the bus_* metrics are registered. Default: a private registry. */
  metrics?: Registry;
  /** Extra ioredis options for every connection the bus opens. */
  redisOptions?: RedisOptions;
}

/** A message to publish in a batch. */
export type BatchMessage<P = unknown> = OutgoingMessage<P> & { key: string };

/** The bus as services use it; RedisBus is the implementation. */
export interface Bus {
  publish<P>(topic: string, key: string, message: OutgoingMessage<P>): Promise<Envelope<P>>;
  publishBatch<P>(topic: string, messages: BatchMessage<P>[]): Promise<Envelope<P>[]>;
  subscribe<P>(
    topic: string,
    group: string,
    handler: MessageHandler<P>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  subscribeBatch<P>(
    topic: string,
    group: string,
    handler: BatchMessageHandler<P>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * The message bus over Redis Streams (at-least-once topics) and Redis PUBLISH/SUBSCRIBE
 * (at-most-once topics). It never logs: it emits
 * - `'error'` (err): Redis trouble in a background loop (it keeps retrying). Emitted only when
 *   someone listens, so a service that forgets the listener is not crashed by a Redis blip.
 * - `'handlerError'` (err, message, context): a handler threw; the message will be retried.
 * - `'deadLettered'` (reason, context): a message moved to its topic's dead-letter stream.
 */
export class RedisBus extends EventEmitter implements Bus {
  readonly metrics: BusMetrics;
  private readonly redis: ScriptedRedis;
  private readonly topics = new Map<string, TopicKeys>();
  private readonly checked = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<Subscription>();
  private hub: BroadcastHub | undefined;
  private closed = false;

  constructor(private readonly options: BusOptions) {
    super();
    this.metrics = new BusMetrics(options.metrics);
    this.redis = withBusScripts(this.connect('bus'));
  }

  /** Resolved settings and key names of a topic. */
  topic(name: string): TopicKeys {
    let keys = this.topics.get(name);
    if (!keys) {
      keys = new TopicKeys(this.options.keyPrefix, resolveTopic(name, this.options.topics?.[name]));
      this.topics.set(name, keys);
    }
    return keys;
  }

  /**
   * Publishes one message; resolves once Redis holds it. Throws BusFullError when the topic is
   * at capacity (at-least-once topics only).
   */
  async publish<P>(topic: string, key: string, message: OutgoingMessage<P>): Promise<Envelope<P>> {
    const [envelope] = await this.publishBatch(topic, [{ ...message, key }]);
    return envelope;
  }

  /**
   * Publishes several messages in one round trip, all or none (one Lua script). The relay and
   * the benchmark use it; messages keep their order per key.
   */
  async publishBatch<P>(topic: string, messages: BatchMessage<P>[]): Promise<Envelope<P>[]> {
    if (this.closed) throw new BusClosedError();
    const keys = this.topic(topic);
    const envelopes = messages.map(({ key, ...message }) =>
      createEnvelope(topic, key, message, this.options.producer),
    );
    if (envelopes.length === 0) return envelopes;
    if (keys.topic.delivery === 'at-most-once') {
      const pipeline = this.redis.pipeline();
      for (const envelope of envelopes) pipeline.publish(keys.channel(), JSON.stringify(envelope));
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    } else {
      await this.assertTopicShape(keys);
      const messages = envelopes.map((envelope) => ({
        partition: partitionOf(envelope.key, keys.topic.partitions),
        json: JSON.stringify(envelope),
      }));
      try {
        await publishToPartitions(this.redis, {
          streams: keys.streams(),
          capacity: keys.topic.capacity,
          messages,
        });
      } catch (err) {
        const full = /^BUSFULL (\d+)/.exec((err as Error).message);
        if (!full) throw err;
        this.metrics.rejected.inc({ topic });
        throw new BusFullError(topic, Number(full[1]), keys.topic.capacity);
      }
    }
    this.metrics.published.inc({ topic }, envelopes.length);
    return envelopes;
  }

  /**
   * Subscribes a consumer of `group` to a topic. At-least-once topics: the group shares the
   * topic's messages (each goes to one consumer of the group), with the options' redelivery
   * rules. At-most-once topics: every subscription gets every message; `group` only labels metrics.
   */
  async subscribe<P>(
    topic: string,
    group: string,
    handler: MessageHandler<P>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.subscribeWith(topic, group, handler as MessageHandler, undefined, options);
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
    const one: MessageHandler = (message, context) =>
      handler([message as Envelope<P>], { group: context.group, partition: context.partition });
    return this.subscribeWith(topic, group, one, handler as BatchMessageHandler, options);
  }

  private async subscribeWith(
    topic: string,
    group: string,
    handler: MessageHandler,
    batchHandler: BatchMessageHandler | undefined,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.closed) throw new BusClosedError();
    const keys = this.topic(topic);
    const consumerPrefix = options.consumerName ?? this.options.producer;
    let subscription: Subscription;
    if (keys.topic.delivery === 'at-most-once') {
      const listener = { topic, group, handler };
      const inner = await this.broadcastHub().listen(keys.channel(), listener, consumerPrefix);
      subscription = { ...inner, close: () => this.forget(subscription, inner.close()) };
    } else {
      await this.assertTopicShape(keys);
      const stream = new StreamSubscription({
        redis: this.redis,
        blocking: this.connect('bus-blocking'),
        keys,
        group,
        consumerPrefix,
        handler,
        batchHandler,
        options: resolveSubscribeOptions(options),
        metrics: this.metrics,
        events: this.relay(),
      });
      await stream.start();
      subscription = {
        topic,
        group,
        consumer: stream.consumer,
        close: () => this.forget(subscription, stream.close()),
      };
    }
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Closes every subscription gracefully (see Subscription.close), then the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.hub?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async forget(subscription: Subscription, closing: Promise<void>): Promise<void> {
    this.subscriptions.delete(subscription);
    await closing;
  }

  private connect(role: 'bus' | 'bus-blocking'): Redis {
    const client = createRedisClient(this.options.url, role, this.options.redisOptions);
    client.on('error', (err: unknown) => this.emitError(err));
    return client;
  }

  private broadcastHub(): BroadcastHub {
    this.hub ??= new BroadcastHub(this.connect('bus-blocking'), this.metrics, this.relay());
    return this.hub;
  }

  private relay() {
    return {
      error: (err: unknown) => this.emitError(err),
      handlerError: (...args: unknown[]) => this.emit('handlerError', ...args),
      deadLettered: (...args: unknown[]) => this.emit('deadLettered', ...args),
    };
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /**
   * The first process to use a topic records its partition count in Redis; a process configured
   * otherwise is refused, because two partition counts would send one key to two streams.
   */
  private assertTopicShape(keys: TopicKeys): Promise<void> {
    let check = this.checked.get(keys.topic.name);
    if (!check) {
      check = (async () => {
        const meta = keys.meta();
        await this.redis.hsetnx(meta, 'partitions', keys.topic.partitions);
        const stored = Number(await this.redis.hget(meta, 'partitions'));
        if (stored !== keys.topic.partitions)
          throw new TopicMismatchError(keys.topic.name, stored, keys.topic.partitions);
      })();
      check.catch(() => this.checked.delete(keys.topic.name));
      this.checked.set(keys.topic.name, check);
    }
    return check;
  }
}

/** Creates the bus. Connections open lazily, on the first publish or subscribe. */
export function createBus(options: BusOptions): RedisBus {
  return new RedisBus(options);
}
