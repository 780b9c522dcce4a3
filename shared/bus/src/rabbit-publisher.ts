import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';

/** One message for the broker: where it goes and its body. */
export interface Outgoing {
  exchange: string;
  routingKey: string;
  body: string;
  messageId: string;
  headers?: Record<string, string | number>;
}

/**
 * A publish the broker stored, refused (a full queue with reject-publish nacks it), could not
 * route, or whose confirm never came because the channel closed first (stored or not: unknown).
 */
export type PublishOutcome = 'stored' | 'refused' | 'unroutable' | 'unconfirmed';

/** amqplib's error for a nack; a channel that closes with publishes unconfirmed fails them with another. */
const NACKED = 'message nacked';

/**
 * Publishing with publisher confirms: a message counts as published once the broker has
 * written it to every queue it routes to (a quorum queue: to a majority of its replicas).
 * `mandatory` makes the broker return a message no queue takes; a return precedes its confirm
 * (AMQP 0-9-1), so the outcome of each message is known when its confirm arrives.
 */
export class RabbitPublisher {
  private channel: Promise<ConfirmChannel> | undefined;
  private readonly returned = new Set<string>();
  /** One wait for the socket to drain, shared by every publish that found it full. */
  private drained: Promise<void> | undefined;

  constructor(
    private readonly connection: () => Promise<ChannelModel>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Publishes every message, pipelined; resolves with each one's outcome, in order. */
  async publish(messages: Outgoing[], options: { confirm: boolean }): Promise<PublishOutcome[]> {
    const channel = await this.open();
    const outcomes = messages.map(async (m) => {
      const publishOptions: Options.Publish = {
        persistent: options.confirm,
        mandatory: options.confirm,
        messageId: m.messageId,
        contentType: 'application/json',
        headers: m.headers,
      };
      const body = Buffer.from(m.body);
      if (!options.confirm) {
        await this.write(channel, () => channel.publish(m.exchange, m.routingKey, body, publishOptions));
        return 'stored' as const;
      }
      // amqplib buffers what the socket cannot take yet; the confirm waits for it anyway.
      return new Promise<PublishOutcome>((resolve) => {
        channel.publish(m.exchange, m.routingKey, body, publishOptions, (err) => {
          const unroutable = this.returned.delete(m.messageId);
          if (err) resolve(err.message === NACKED ? 'refused' : 'unconfirmed');
          else resolve(unroutable ? 'unroutable' : 'stored');
        });
      });
    });
    return Promise.all(outcomes);
  }

  async close(): Promise<void> {
    const channel = await this.channel?.catch(() => undefined);
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  /**
   * Waits for the socket buffer to drain when amqplib says it is full (flow control), or for the
   * channel to close (nothing would drain then). Every waiting publish shares one listener pair.
   */
  private async write(channel: ConfirmChannel, send: () => boolean): Promise<void> {
    if (send()) return;
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        channel.off('drain', done);
        channel.off('close', done);
        this.drained = undefined;
        resolve();
      };
      channel.on('drain', done);
      channel.on('close', done);
    });
    await this.drained;
  }

  private open(): Promise<ConfirmChannel> {
    this.channel ??= (async () => {
      const channel = await (await this.connection()).createConfirmChannel();
      channel.on('return', (message: ConsumeMessage) => {
        if (message.properties.messageId) this.returned.add(String(message.properties.messageId));
      });
      channel.on('error', (err: unknown) => this.onError(err));
      channel.on('close', () => {
        this.channel = undefined; // the next publish opens a new one
      });
      return channel;
    })();
    this.channel.catch(() => (this.channel = undefined));
    return this.channel;
  }
}
