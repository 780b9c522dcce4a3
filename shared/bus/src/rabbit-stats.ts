import type { Channel, ChannelModel } from 'amqplib';
import type { BusStats, TopicStats } from './bus-stats-schema';
import type { RabbitTopic } from './rabbit-topology';

/**
 * Passive declarations (`checkQueue`) on one channel, reopened after a missing queue: the
 * broker answers a missing queue with 404 and closes the channel, so one absent name must not
 * cost the figures of the others.
 */
class QueueChecker {
  private channel: Channel | undefined;

  constructor(private readonly connection: () => Promise<ChannelModel>) {}

  /** The queue's ready messages and consumers; null when there is no such queue. */
  async check(queue: string): Promise<{ messageCount: number; consumerCount: number } | null> {
    if (!this.channel) {
      const channel = await (await this.connection()).createChannel();
      channel.on('error', () => undefined); // a 404 closes the channel; check() reports it
      this.channel = channel;
    }
    try {
      return await this.channel.checkQueue(queue);
    } catch (err) {
      this.channel = undefined;
      if (/NOT[-_]FOUND/.test((err as Error).message)) return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
  }
}

async function groupStats(checker: QueueChecker, rabbit: RabbitTopic, group: string) {
  let ready: number | null = 0;
  for (const queue of rabbit.queues(group)) {
    const queueStats = await checker.check(queue);
    // A partition queue not declared yet: this group's backlog cannot be told.
    ready = queueStats === null || ready === null ? null : ready + queueStats.messageCount;
  }
  // The members queue exists once a consumer of the group joined; without it, nobody did.
  const members = await checker.check(rabbit.members(group));
  return {
    name: group,
    consumers: members?.consumerCount ?? 0,
    pending: null, // unacknowledged messages are not in a declare-ok (the management API has them)
    undelivered: ready,
    oldestPendingMs: null, // nor the age of any message
  };
}

async function topicStats(checker: QueueChecker, rabbit: RabbitTopic, groups: string[]): Promise<TopicStats> {
  const { name, delivery, partitions } = rabbit.topic;
  if (delivery === 'at-most-once') {
    // A fanout exchange and each subscriber's own exclusive queue: nothing is stored to count.
    return { name, delivery, partitions: 0, length: 0, deadLetters: 0, groups: [] };
  }
  const rows = [];
  for (const group of groups) rows.push(await groupStats(checker, rabbit, group));
  const dead = await checker.check(rabbit.deadLetter());
  return {
    name,
    delivery,
    partitions,
    length: Math.max(0, ...rows.map((r) => r.undelivered ?? 0)),
    deadLetters: dead?.messageCount ?? 0, // no dead-letter queue yet: nothing was dead-lettered
    groups: rows,
  };
}

/**
 * The topology page's figures of a RabbitMQ bus's topics, in the shape the Redis streams give
 * (BusStats), with what AMQP can tell: per group its ready messages and its size (the members
 * queue's consumers), per topic its dead letters. One passive declaration per queue, on one
 * channel, sequentially: about P + 2 round trips per group and topic. `groups` names the groups
 * to read per topic: AMQP cannot list queues, so only known groups are read. Rejects when the
 * broker does not answer.
 */
export async function rabbitBusStats(
  connection: () => Promise<ChannelModel>,
  topics: { rabbit: RabbitTopic; groups: string[] }[],
): Promise<BusStats> {
  const checker = new QueueChecker(connection);
  try {
    const stats: TopicStats[] = [];
    for (const { rabbit, groups } of topics) stats.push(await topicStats(checker, rabbit, groups));
    return { state: 'up', topics: stats };
  } finally {
    await checker.close();
  }
}
