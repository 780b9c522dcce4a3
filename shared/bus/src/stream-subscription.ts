import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BusMetrics } from './bus-metrics';
import { ensureGroups, groupBacklog, removeIdleConsumer } from './consumer-group';
import { connectionNameOf } from './consumer-liveness';
import type { ScriptedRedis } from './lua-scripts';
import { PartitionDelivery } from './partition-delivery';
import { PartitionLeases } from './partition-leases';
import { StreamReader } from './stream-reader';
import type {
  BatchMessageHandler,
  MessageHandler,
  ResolvedSubscribeOptions,
  Subscription,
} from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import type { TopicKeys } from './topic-options';

export type { SubscriptionEvents } from './subscription-events';

export interface StreamSubscriptionDeps {
  redis: ScriptedRedis;
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  blocking: Redis;
  keys: TopicKeys;
  group: string;
  consumerPrefix: string;
  handler: MessageHandler;
  /** When set, runs of fresh messages are handed over together (see BatchMessageHandler). */
  batchHandler?: BatchMessageHandler;
  options: ResolvedSubscribeOptions;
  metrics: BusMetrics;
  events: SubscriptionEvents;
}

/**
 * One consumer of an at-least-once topic, in three parts that only meet here:
 * - PartitionLeases (partition-leases.ts): which partitions this consumer holds; one consumer of
 *   the group at a time, rebalanced fairly by the heartbeat, a taken-over one recovered first;
 * - StreamReader (stream-reader.ts): the read loop queueing new entries on held partitions;
 * - PartitionDelivery (partition-delivery.ts): handle, ack, retry, dead-letter, one message at a
 *   time per partition, so a key's messages are handled in order even with many consumers.
 */
export class StreamSubscription implements Subscription {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  private readonly leases: PartitionLeases;
  private readonly reader: StreamReader;
  private readonly delivery: PartitionDelivery;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private removeProbe: () => void = () => undefined;

  constructor(private readonly deps: StreamSubscriptionDeps) {
    this.topic = deps.keys.topic.name;
    this.group = deps.group;
    this.consumer = `${deps.consumerPrefix}-${randomUUID().slice(0, 8)}`;
    // Named before it connects (ioredis names it again on every reconnect): while this connection
    // is open, the others know this consumer is alive (consumer-liveness.ts).
    deps.blocking.options.connectionName = connectionNameOf(this.consumer);
    const { redis, keys, group, options, events } = deps;
    const common = { redis, keys, group, consumer: this.consumer, options, events };
    const isStopping = () => this.stopping;
    this.leases = new PartitionLeases({
      ...common,
      isStopping,
      isReading: (index) => this.reader.isReading(index),
      changed: () => this.reader.interrupt(),
      recovered: () => this.delivery.dispatch(),
    });
    const { partitions } = this.leases;
    this.reader = new StreamReader({
      ...common,
      blocking: deps.blocking,
      partitions,
      isStopping,
      read: () => this.delivery.dispatch(),
    });
    this.delivery = new PartitionDelivery({
      ...common,
      handler: deps.handler,
      batchHandler: deps.batchHandler,
      metrics: deps.metrics,
      partitions,
      isStopping,
      drained: (state) => this.reader.noticeRoom(state),
    });
  }

  async start(): Promise<void> {
    const { redis, keys, group, metrics } = this.deps;
    await ensureGroups(redis, keys, group);
    await this.reader.connect();
    await this.leases.tick();
    this.removeProbe = metrics.addBacklogProbe(async () => [
      { topic: this.topic, group, backlog: await groupBacklog(redis, keys, group) },
    ]);
    this.reader.start();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const { redis, keys } = this.deps;
    this.stopping = true;
    const heartbeat = this.leases.stop();
    this.delivery.stop();
    this.reader.interrupt();
    await this.reader.finished();
    this.delivery.dispatch(); // finish what was already delivered here
    await this.delivery.idle();
    // A heartbeat in flight must end before the leases are given back, or it would renew them.
    await heartbeat;
    const steps: (() => Promise<unknown>)[] = [
      ...[...this.leases.partitions.values()].map((s) => () => this.delivery.flushAcks(s)),
      () => this.leases.releaseAll(),
      () => this.leases.leave(),
      () => removeIdleConsumer(redis, keys, this.group, this.consumer),
    ];
    for (const step of steps) await step().catch((err: unknown) => this.deps.events.error(err));
    this.removeProbe();
    this.leases.partitions.clear();
    await this.reader.close();
  }
}
