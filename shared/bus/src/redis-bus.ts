import type { RedisOptions } from 'ioredis';
import { type Redis, createRedisClient } from '@boxoffice/platform';
import { BroadcastHub } from './broadcast-hub';
import { BusBase } from './bus-base';
import type { BatchMessage, BusOptions } from './bus-contract';
import { BusClosedError, BusFullError, TopicMismatchError } from './bus-errors';
import type { Envelope } from './envelope';
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
import { type ResolvedTopic, TopicKeys } from './topic-options';

export interface RedisBusOptions extends BusOptions {
  /** Extra ioredis options for every connection the bus opens. */
  redisOptions?: RedisOptions;
}

export type { Bus, BusOptions, BatchMessage } from './bus-contract';

/**
 * The message bus over Redis Streams (at-least-once topics) and Redis PUBLISH/SUBSCRIBE
 * (at-most-once topics). It never logs: it emits
 * - `'error'` (err): Redis trouble in a background loop (it keeps retrying). Emitted only when
 *   someone listens, so a service that forgets the listener is not crashed by a Redis blip.
 * - `'handlerError'` (err, message, context): a handler threw; the message will be retried.
 * - `'deadLettered'` (reason, context): a message moved to its topic's dead-letter stream.
 */
export class RedisBus extends BusBase<RedisBusOptions, TopicKeys> {
  readonly backend = 'redis' as const;
  private readonly redis: ScriptedRedis;
  private readonly checked = new Map<string, Promise<void>>();
  private hub: BroadcastHub | undefined;

  constructor(options: RedisBusOptions) {
    super(options);
    this.redis = withBusScripts(this.connect('bus'));
  }

  protected namesOf(prefix: string, topic: ResolvedTopic): TopicKeys {
    return new TopicKeys(prefix, topic);
  }

  /**
   * Publishes several messages in one round trip, all or none (one Lua script). The relay and
   * the benchmark use it; messages keep their order per key.
   */
  async publishBatch<P>(topic: string, messages: BatchMessage<P>[]): Promise<Envelope<P>[]> {
    const keys = this.topic(topic);
    const envelopes = this.envelopesOf(topic, messages);
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

  protected async subscribeWith(
    topic: string,
    group: string,
    handler: MessageHandler,
    batchHandler: BatchMessageHandler | undefined,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.closed) throw new BusClosedError();
    const keys = this.topic(topic);
    const consumerPrefix = options.consumerName ?? this.options.producer;
    if (keys.topic.delivery === 'at-most-once') {
      const listener = { topic, group, handler };
      return this.track(await this.broadcastHub().listen(keys.channel(), listener, consumerPrefix));
    }
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
      events: this.subscriptionEvents(),
    });
    await stream.start();
    return this.track(stream);
  }

  /** Resolves when the bus Redis answers PING. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Closes every subscription gracefully (see Subscription.close), then the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.hub?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private connect(role: 'bus' | 'bus-blocking'): Redis {
    const client = createRedisClient(this.options.url, role, this.options.redisOptions);
    client.on('error', (err: unknown) => this.emitError(err));
    return client;
  }

  private broadcastHub(): BroadcastHub {
    this.hub ??= new BroadcastHub(this.connect('bus-blocking'), this.metrics, this.subscriptionEvents());
    return this.hub;
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

/** Creates a Redis bus. Connections open lazily, on the first publish or subscribe. */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
