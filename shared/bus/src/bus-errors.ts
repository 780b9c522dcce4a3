import { AppError } from '@boxoffice/platform';

/**
 * A topic holds `capacity` messages that some group has not acknowledged yet, and a publish
 * would exceed it. The queue is finite on purpose (the talk: "sending can fail"): the caller
 * decides — reject the request (this maps to 503 with Retry-After through the error
 * middleware), or, for the outbox relay, keep the row and try again later.
 */
export class BusFullError extends AppError {
  readonly topic: string;
  readonly backlog: number;
  readonly capacity: number;

  constructor(topic: string, backlog: number, capacity: number) {
    super('service_unavailable', `The ${topic} queue is full; try again shortly`, {
      details: { topic },
      headers: { 'Retry-After': '1' },
    });
    this.name = 'BusFullError';
    this.topic = topic;
    this.backlog = backlog;
    this.capacity = capacity;
  }
}

export function isBusFullError(err: unknown): err is BusFullError {
  return err instanceof BusFullError;
}

/** The bus (or one subscription) was closed; publishing or subscribing is no longer possible. */
export class BusClosedError extends Error {
  constructor() {
    super('the bus is closed');
    this.name = 'BusClosedError';
  }
}

/** Two processes disagree on a topic's partition count, which would break per-key order. */
export class TopicMismatchError extends Error {
  constructor(topic: string, stored: number, configured: number) {
    super(
      `topic ${topic} has ${stored} partitions on the bus server but this process is configured with ${configured}`,
    );
    this.name = 'TopicMismatchError';
  }
}

/**
 * RabbitMQ: no queue took an at-least-once message (no group of the topic has subscribed yet,
 * and none is listed in the topic's `groups`). Nothing was stored; publish again later (the
 * outbox relay does) — dropping it silently would lose a message that matters.
 */
export class BusUnroutableError extends Error {
  constructor(readonly topic: string) {
    super(`no consumer group has a queue on topic ${topic} yet; nothing was stored`);
    this.name = 'BusUnroutableError';
  }
}

/**
 * RabbitMQ: the channel closed before the broker confirmed the publish (the connection dropped,
 * or the broker closed the channel, e.g. 404 on an exchange deleted behind the bus's back). The
 * messages may or may not be stored: publish again (the outbox relay does; the inbox absorbs a
 * duplicate). Not BusFullError: nothing says the topic is full.
 */
export class BusUnconfirmedError extends Error {
  constructor(readonly topic: string) {
    super(`the broker did not confirm a publish to topic ${topic} (the channel closed); publish again`);
    this.name = 'BusUnconfirmedError';
  }
}
