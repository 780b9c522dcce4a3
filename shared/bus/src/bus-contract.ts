import type { Registry } from 'prom-client';
import type { Envelope, OutgoingMessage } from './envelope';
import type {
  BatchMessageHandler,
  DeliveryContext,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './subscribe-options';
import type { TopicOptions } from './topic-options';

/** What every backend is created with; the URL's scheme picks the backend (createBus). */
export interface BusOptions {
  /** The bus server (topology `busUrl`): `redis://…` (Redis Streams) or `amqp://…` (RabbitMQ). */
  url: string;
  /**
   * Prefix of every key and channel (Redis) or queue and exchange name (RabbitMQ), e.g.
   * `${KEY_PREFIX}bus:`; tests use a random one.
   */
  keyPrefix: string;
  /** This process's name, written into every envelope (`producer`) and consumer name. */
  producer: string;
  /** Per-topic settings; a topic not listed gets TOPIC_DEFAULTS. */
  topics?: Record<string, TopicOptions>;
  /** Where the bus_* metrics are registered. Default: a private registry. */
  metrics?: Registry;
}

/** A message to publish in a batch. */
export type BatchMessage<P = unknown> = OutgoingMessage<P> & { key: string };

/**
 * The bus as services use it, whatever the backend. Backends never log: they emit
 * - `'error'` (err): trouble with the server in a background loop (they keep retrying). Emitted
 *   only when someone listens, so a service that forgets the listener is not crashed by a blip.
 * - `'handlerError'` (err, message, context): a handler threw; the message will be retried.
 * - `'deadLettered'` (reason, context): a message moved to its topic's dead-letter stream/queue.
 */
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

/** A bus a service runs: the contract plus its events and a readiness check. */
export interface ServiceBus extends Bus {
  /** Which backend this is, for logs and benchmarks. */
  readonly backend: 'redis' | 'rabbitmq';
  /** Resolves when the bus server answers; rejects otherwise (readiness probes). */
  ping(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): this;
  on(
    event: 'handlerError',
    listener: (err: Error, message: Envelope, context: DeliveryContext) => void,
  ): this;
  on(event: 'deadLettered', listener: (reason: string, context: DeliveryContext) => void): this;
}
