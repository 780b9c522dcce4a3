import type { Channel } from 'amqplib';
import { PartitionConsumer, type PartitionConsumerDeps } from './rabbit-partition-consumer';
import type { RabbitTopic } from './rabbit-topology';
import { rejoinLater } from './rabbit-rejoin';
import type { Subscription } from './subscribe-options';

/** A PartitionConsumer's dependencies, for the whole topic instead of one partition queue. */
export type RabbitSubscriptionDeps = Omit<
  PartitionConsumerDeps,
  'topic' | 'partition' | 'queue' | 'consumerTag'
> & {
  topic: RabbitTopic;
  consumer: string;
};

/**
 * One consumer of an at-least-once topic on RabbitMQ: a PartitionConsumer on each of the group's
 * partition queues. Single-active-consumer makes the first consumer to arrive the active one on
 * every queue, so a rebalance step spreads them: every third of `leaseMs` a consumer that is
 * active on more than its fair share, ceil(P / consumers of the group), hands the surplus to the
 * consumers waiting behind it (see PartitionConsumer.handOver).
 */
export class RabbitSubscription implements Subscription {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  private readonly partitions: PartitionConsumer[];
  private timer: NodeJS.Timeout | undefined;
  private presence: Channel | undefined;
  private closing: Promise<void> | undefined;
  private removeProbe: () => void = () => undefined;

  constructor(private readonly deps: RabbitSubscriptionDeps) {
    this.topic = deps.topic.topic.name;
    this.group = deps.group;
    this.consumer = deps.consumer;
    this.partitions = deps.topic.queues(deps.group).map(
      (queue, partition) =>
        new PartitionConsumer({
          ...deps,
          topic: this.topic,
          partition,
          queue,
          consumerTag: `${deps.consumer}-${partition}`,
        }),
    );
  }

  async start(): Promise<void> {
    const channel = await (await this.deps.connection()).createChannel();
    try {
      await this.deps.topic.declare(channel);
      await this.deps.topic.declareGroup(channel, this.group);
    } finally {
      await channel.close().catch(() => undefined);
    }
    await this.join();
    for (const partition of this.partitions) await partition.open();
    this.removeProbe = this.deps.metrics.addBacklogProbe(async () => [
      { topic: this.topic, group: this.group, backlog: await this.backlog() },
    ]);
    this.schedule();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      this.removeProbe();
      await Promise.all(this.partitions.map((p) => p.stop()));
      await this.presence?.close().catch(() => undefined);
    })();
    return this.closing;
  }

  /** Consumes the group's members queue (never published to): its consumer count is the group's size. */
  private async join(): Promise<void> {
    const channel = await (await this.deps.connection()).createChannel();
    channel.on('error', (err: unknown) => this.deps.events.error(err));
    channel.on('close', () => this.lostPresence(channel));
    const members = this.deps.topic.members(this.group);
    await channel.assertQueue(members, { durable: false });
    this.presence = channel;
    await channel.consume(members, (m) => m ?? this.lostPresence(channel), { noAck: true });
  }

  /** The presence channel closed (a dropped connection): count this consumer in again, or balancing is off. */
  private lostPresence(channel: Channel): void {
    if (this.closing || channel !== this.presence) return;
    this.presence = undefined;
    channel.close().catch(() => undefined);
    rejoinLater(
      () => this.join(),
      () => this.closing !== undefined || this.presence !== undefined,
      (err) => this.deps.events.error(err),
    );
  }

  /** Messages of the group's queues not yet acknowledged (ready ones; unacked are not counted). */
  private async backlog(): Promise<number> {
    const channel = await (await this.deps.connection()).createChannel();
    try {
      let total = 0;
      for (const queue of this.deps.topic.queues(this.group))
        total += (await channel.checkQueue(queue)).messageCount;
      return total;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private get interval(): number {
    return Math.max(100, Math.floor(this.deps.options.leaseMs / 3));
  }

  private schedule(): void {
    if (this.closing) return;
    const interval = this.interval;
    this.timer = setTimeout(() => {
      this.rebalance()
        .catch((err: unknown) => this.deps.events.error(err))
        .finally(() => this.schedule());
    }, interval);
  }

  private async rebalance(): Promise<void> {
    const active = this.partitions.filter((p) => p.isActive(2 * this.interval));
    if (active.length <= 1) return;
    const channel = await (await this.deps.connection()).createChannel();
    let consumers: number;
    try {
      consumers = (await channel.checkQueue(this.deps.topic.members(this.group))).consumerCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
    const fair = Math.ceil(this.partitions.length / Math.max(1, consumers));
    if (active.length <= fair || this.closing) return;
    // Hand over the ones with the least waiting here: fewer messages go back to the queue.
    active.sort((a, b) => a.backlog - b.backlog);
    await Promise.all(active.slice(0, active.length - fair).map((p) => p.handOver()));
  }
}
