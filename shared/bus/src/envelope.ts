import { randomUUID } from 'node:crypto';
import { traceparentOf } from '@boxoffice/tracing';

/**
 * What travels on the bus. The same shape for both delivery modes, so a handler never cares how
 * a message arrived.
 */
export interface Envelope<P = unknown> {
  /** UUID; the inbox deduplicates on it, so a message republished by the outbox relay keeps it. */
  id: string;
  topic: string;
  /** Decides the partition: messages with one key are handled in order. */
  key: string;
  /** What happened, e.g. "order.requested". */
  type: string;
  payload: P;
  /** ISO-8601 time the fact happened (for outbox rows: when the row was written). */
  occurredAt: string;
  /** Which process published it, e.g. "tickets". */
  producer: string;
  /** Request id of the HTTP request that caused it, carried into the consumer's logs. */
  requestId?: string;
  /**
   * W3C trace context of what caused it, so the consumer's work joins the same trace. A value
   * that is not valid W3C is ignored by the consumer (a new trace starts), never an error.
   */
  traceparent?: string;
}

/** What a publisher supplies; the bus fills in the rest. */
export interface OutgoingMessage<P = unknown> {
  type: string;
  payload: P;
  requestId?: string;
  /** Set only to keep an id assigned earlier (the outbox relay does). Default: a new UUID. */
  id?: string;
  /** Set only to keep an earlier time (the outbox relay does). Default: now. */
  occurredAt?: string;
  /** Set only to keep an earlier trace (the outbox relay does). Default: the active span's. */
  traceparent?: string;
}

export function createEnvelope<P>(
  topic: string,
  key: string,
  message: OutgoingMessage<P>,
  producer: string,
): Envelope<P> {
  const envelope: Envelope<P> = {
    id: message.id ?? randomUUID(),
    topic,
    key,
    type: message.type,
    payload: message.payload,
    occurredAt: message.occurredAt ?? new Date().toISOString(),
    producer,
  };
  if (message.requestId !== undefined) envelope.requestId = message.requestId;
  const traceparent = message.traceparent ?? traceparentOf();
  if (traceparent !== undefined) envelope.traceparent = traceparent;
  return envelope;
}

/** Thrown by `parseEnvelope`; the subscriber dead-letters such a message at once (retrying cannot help). */
export class MalformedEnvelopeError extends Error {
  constructor(reason: string) {
    super(`malformed bus envelope: ${reason}`);
    this.name = 'MalformedEnvelopeError';
  }
}

const REQUIRED_STRINGS = ['id', 'topic', 'key', 'type', 'occurredAt', 'producer'] as const;

/**
 * Parses the JSON of a stream entry or a broadcast. Hand-written rather than a zod schema: it
 * runs once per message on the hot path, and the checks are six `typeof`s.
 */
export function parseEnvelope(raw: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new MalformedEnvelopeError('not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new MalformedEnvelopeError('not an object');
  const record = value as Record<string, unknown>;
  for (const field of REQUIRED_STRINGS) {
    if (typeof record[field] !== 'string') throw new MalformedEnvelopeError(`${field} is not a string`);
  }
  if (!('payload' in record)) throw new MalformedEnvelopeError('payload is missing');
  if (record.requestId !== undefined && typeof record.requestId !== 'string') {
    throw new MalformedEnvelopeError('requestId is not a string');
  }
  // Trace context is advisory: a wrong one is dropped, the message is still handled.
  if (record.traceparent !== undefined && typeof record.traceparent !== 'string') delete record.traceparent;
  return record as unknown as Envelope;
}
