import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { BatchMessage, BusOptions } from './bus-contract';
import { BusBase } from './bus-base';
import {
  BusClosedError,
  BusFullError,
  BusUnconfirmedError,
  BusUnroutableError,
  TopicMismatchError,
} from './bus-errors';
import type { Envelope } from './envelope';
import { partitionOf } from './partition';
import { RabbitBroadcast } from './rabbit-broadcast';
import { type Outgoing, RabbitPublisher } from './rabbit-publisher';
import { rabbitBusStats } from './rabbit-stats';
import { RabbitSubscription } from './rabbit-subscription';
import { RabbitTopic } from './rabbit-topology';
import {
  type BatchMessageHandler,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
  resolveSubscribeOptions,
} from './subscribe-options';
import type { ResolvedTopic } from './topic-options';
import type { BusStats } from './bus-stats-schema';

/**
 * The message bus on RabbitMQ, behind the same contract as RedisBus (docs/bus.md, "RabbitMQ";
 * docs/decisions/0009-rabbitmq-mapping.md). It maps the contract onto what the broker does:
 * quorum queues and publisher confirms for at-least-once, a partition queue per group with
 * single-active-consumer for per-key FIFO, x-max-length with reject-publish for finite topics,
 * a delivery limit and a dead-letter queue, a fanout exchange for at-most-once. Emits the same
 * `'error'`, `'handlerError'` and `'deadLettered'` events.
 */
export class RabbitBus extends BusBase<BusOptions, RabbitTopic> {
  readonly backend = 'rabbitmq' as const;
  private connecting: Promise<ChannelModel> | undefined;
  private readonly publisher: RabbitPublisher;
  private readonly declared = new Map<string, Promise<void>>();
  private readonly counting = new Map<string, Promise<number>>();

  constructor(options: BusOptions) {
    super(options);
    this.publisher = new RabbitPublisher(
      () => this.connection(),
      (err) => this.emitError(err),
    );
  }

  protected namesOf(prefix: string, topic: ResolvedTopic): RabbitTopic {
    return new RabbitTopic(prefix, topic);
  }

  /**
   * Publishes several messages, pipelined, and waits for every confirm. Not all-or-none as on
   * Redis: when the broker refuses one (a full queue), the others may be stored; the caller
   * republishes (the outbox relay does) and the inbox absorbs the duplicates.
   */
  async publishBatch<P>(topic: string, messages: BatchMessage<P>[]): Promise<Envelope<P>[]> {
    const rabbit = this.topic(topic);
    const envelopes = this.envelopesOf(topic, messages);
    if (envelopes.length === 0) return envelopes;
    const atLeastOnce = rabbit.topic.delivery === 'at-least-once';
    await this.declare(rabbit);
    const outgoing: Outgoing[] = envelopes.map((envelope) => ({
      exchange: atLeastOnce ? rabbit.exchange() : rabbit.broadcast(),
      routingKey: atLeastOnce ? String(partitionOf(envelope.key, rabbit.topic.partitions)) : '',
      body: JSON.stringify(envelope),
      messageId: envelope.id,
    }));
    const outcomes = await this.publisher.publish(outgoing, { confirm: atLeastOnce });
    const stored = outcomes.filter((o) => o === 'stored').length;
    if (stored > 0) this.metrics.published.inc({ topic }, stored);
    if (outcomes.includes('refused')) {
      this.metrics.rejected.inc({ topic });
      throw new BusFullError(topic, await this.backlog(rabbit), rabbit.topic.capacity);
    }
    if (outcomes.includes('unroutable')) throw new BusUnroutableError(topic);
    if (outcomes.includes('unconfirmed')) {
      // The channel closed first (e.g. a topic's exchange gone: 404). Declare again next time.
      this.declared.delete(topic);
      throw new BusUnconfirmedError(topic);
    }
    return envelopes;
  }

  /** Resolves when the broker answers (a channel opens and closes). */
  async ping(): Promise<void> {
    const channel = await (await this.connection()).createChannel();
    await channel.close();
  }

  /**
   * The topics' figures for the topology page (`/internal/stats?include=bus`): per group the
   * ready messages of its partition queues and its consumers, per topic the dead letters;
   * unacknowledged messages and their age are null (AMQP does not tell them). The groups read
   * are the topic's `groups` and this process's own subscriptions: AMQP cannot list queues.
   * One passive declaration per queue. Rejects when the broker does not answer.
   */
  stats(topics: string[]): Promise<BusStats> {
    return rabbitBusStats(
      () => this.connection(),
      topics.map((name) => {
        const rabbit = this.topic(name);
        const subscribed = [...this.subscriptions].filter((s) => s.topic === name).map((s) => s.group);
        return { rabbit, groups: [...new Set([...rabbit.topic.groups, ...subscribed])].sort() };
      }),
    );
  }

  /** Closes every subscription (each finishes the message it is handling), then the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.publisher.close();
    const connection = await this.connecting?.catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  protected async subscribeWith(
    topic: string,
    group: string,
    handler: MessageHandler,
    batchHandler: BatchMessageHandler | undefined,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.closed) throw new BusClosedError();
    const rabbit = this.topic(topic);
    await this.declare(rabbit);
    const consumer = `${options.consumerName ?? this.options.producer}-${randomUUID().slice(0, 8)}`;
    const common = {
      connection: () => this.connection(),
      group,
      consumer,
      handler,
      metrics: this.metrics,
      events: this.subscriptionEvents(),
    };
    const inner =
      rabbit.topic.delivery === 'at-most-once'
        ? new RabbitBroadcast({ ...common, topic, exchange: rabbit.broadcast() })
        : new RabbitSubscription({
            ...common,
            topic: rabbit,
            batchHandler,
            options: resolveSubscribeOptions(options),
            deadLetter: (raw, headers) => this.deadLetter(rabbit, raw, headers),
          });
    await inner.start();
    return this.track(inner);
  }

  private async deadLetter(rabbit: RabbitTopic, raw: Buffer, headers: Record<string, string | number>) {
    const [outcome] = await this.publisher.publish(
      [
        {
          exchange: rabbit.deadLetter(),
          routingKey: '',
          body: raw.toString(),
          messageId: randomUUID(),
          headers,
        },
      ],
      { confirm: true },
    );
    if (outcome !== 'stored') throw new Error(`dead-letter queue of ${rabbit.topic.name}: ${outcome}`);
  }

  /**
   * Ready messages in the partition queues of the topic's groups (for BusFullError's backlog).
   * Concurrent refusals of one topic share one count: a flood into a full topic is refused
   * thousands of times at once, and a channel per refusal ran out of channels (channel_max).
   */
  private backlog(rabbit: RabbitTopic): Promise<number> {
    const name = rabbit.topic.name;
    let counting = this.counting.get(name);
    if (!counting) {
      counting = this.countReady(rabbit).finally(() => this.counting.delete(name));
      this.counting.set(name, counting);
    }
    return counting;
  }

  private async countReady(rabbit: RabbitTopic): Promise<number> {
    if (rabbit.topic.groups.length === 0) return rabbit.topic.capacity; // some group's queue is full
    let channel: Channel | undefined;
    try {
      channel = await (await this.connection()).createChannel();
      channel.on('error', () => undefined);
      let most = 0;
      for (const group of rabbit.topic.groups) {
        let total = 0;
        for (const queue of rabbit.queues(group)) total += (await channel.checkQueue(queue)).messageCount;
        most = Math.max(most, total);
      }
      return most;
    } catch {
      return rabbit.topic.capacity; // the refusal is what matters; the count is a detail
    } finally {
      await channel?.close().catch(() => undefined);
    }
  }

  /**
   * Declares a topic's exchanges and queues once per process (and the queues of its `groups`).
   * A process configured with another partition count is refused: the shape queue's
   * x-max-length records it, and the broker refuses an inequivalent redeclaration (406).
   */
  private declare(rabbit: RabbitTopic): Promise<void> {
    const name = rabbit.topic.name;
    let declared = this.declared.get(name);
    if (!declared) {
      declared = (async () => {
        const channel = await (await this.connection()).createChannel();
        channel.on('error', () => undefined); // a failed declaration closes the channel; the promise says why
        try {
          if (rabbit.topic.delivery === 'at-most-once') {
            await channel.assertExchange(rabbit.broadcast(), 'fanout', { durable: true });
            return;
          }
          await rabbit.declare(channel);
          for (const group of rabbit.topic.groups) await rabbit.declareGroup(channel, group);
        } catch (err) {
          if (/PRECONDITION_FAILED.*x-max-length.*shape/.test((err as Error).message)) {
            throw new TopicMismatchError(name, await this.storedPartitions(rabbit), rabbit.topic.partitions);
          }
          throw err;
        } finally {
          await channel.close().catch(() => undefined);
        }
      })();
      declared.catch(() => this.declared.delete(name));
      this.declared.set(name, declared);
    }
    return declared;
  }

  /** The partition count recorded on the broker: the shape queue's x-max-length is not readable, so it is searched. */
  private async storedPartitions(rabbit: RabbitTopic): Promise<number> {
    for (let p = 1; p <= 256; p++) {
      const channel = await (await this.connection()).createChannel();
      channel.on('error', () => undefined);
      try {
        await channel.assertQueue(rabbit.shape(), {
          durable: true,
          arguments: { 'x-max-length': p, 'x-overflow': 'reject-publish' },
        });
        return p;
      } catch {
        // not this one
      } finally {
        await channel.close().catch(() => undefined);
      }
    }
    return Number.NaN;
  }

  private connection(): Promise<ChannelModel> {
    if (this.closed && !this.connecting) return Promise.reject(new BusClosedError());
    this.connecting ??= (async () => {
      const connection = await amqp.connect(this.options.url, {
        clientProperties: { connection_name: this.options.producer },
      });
      connection.on('error', (err: unknown) => this.emitError(err));
      connection.on('close', () => {
        this.connecting = undefined; // the next use reconnects; subscriptions rejoin on their own
      });
      return connection;
    })();
    this.connecting.catch(() => (this.connecting = undefined));
    return this.connecting;
  }
}
