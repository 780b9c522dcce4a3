import { type Context, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { spanBuffer } from './start-tracing';
import { contextOfTraceparent, sampledContextOf, traceparentOfSpan } from './trace-context';

/** What a message span needs to know of a message: the bus envelope's fields, structurally. */
export interface TracedMessage {
  id: string;
  topic: string;
  traceparent?: string;
}

export interface DeliveryAttributes {
  group: string;
  partition: number;
  deliveryCount?: number;
}

const tracer = () => trace.getTracer('@boxoffice/bus');

/**
 * The `traceparent` of the span that processed each message, for the messages a handler sends in
 * turn: they continue the trace of the message they answer. Weak, so a message that is dropped
 * takes its entry with it.
 */
const processedUnder = new WeakMap<object, string>();

/** The trace a message's effects belong to: its process span, else the trace it arrived with. */
export function traceparentForEffectsOf(message: TracedMessage): string | undefined {
  return processedUnder.get(message) ?? message.traceparent;
}

function attributesOf(message: TracedMessage, delivery: DeliveryAttributes) {
  return {
    'messaging.operation.type': 'process',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(delivery.partition),
    'messaging.consumer.group.name': delivery.group,
    'messaging.message.id': message.id,
    ...(delivery.deliveryCount ? { 'boxoffice.delivery_count': delivery.deliveryCount } : {}),
  };
}

function end(span: Span, err?: unknown): void {
  if (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  }
  span.end();
}

async function finish<T>(spans: Span[], work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    for (const span of spans) end(span);
    return result;
  } catch (err) {
    for (const span of spans) end(span, err);
    throw err;
  }
}

/**
 * With tracing off, or for a message that is not part of a sampled trace: the handler and nothing
 * else, no span, no context switch, no map entry. A synchronous throw still rejects.
 */
function untraced<T>(handle: () => Promise<T>): Promise<T> {
  try {
    return handle();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The context a message's spans continue, when the message belongs to a sampled trace; else
 * undefined, and the message is handled without spans. A trace starts at an HTTP request (the
 * edge samples it), so a message written by a request that was not traced carries no context
 * and starts none: at the default 1 % that skips the span work of 99 messages in 100, and no
 * trace begins halfway through a purchase. A `traceparent` that is not W3C counts as none.
 */
function sampledParent(message: TracedMessage): Context | undefined {
  return sampledContextOf(message.traceparent);
}

/**
 * Runs a message's handler inside a consumer span that continues the message's trace (a
 * redelivery adds another such span to the same trace, with its delivery count).
 */
export function processMessage<T>(
  message: TracedMessage,
  delivery: DeliveryAttributes,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = spanBuffer() ? sampledParent(message) : undefined;
  if (!parent) return untraced(handle);
  const span = tracer().startSpan(
    `process ${message.topic}`,
    { kind: SpanKind.CONSUMER, attributes: attributesOf(message, delivery) },
    parent,
  );
  const own = traceparentOfSpan(span);
  if (own) processedUnder.set(message, own);
  return context.with(trace.setSpan(parent, span), () => finish([span], handle));
}

/**
 * Runs a batch handler inside one batch span, linked to every traced message it carried (which
 * requests a batch served), while each such message also gets a consumer span in its own trace
 * lasting the batch: a purchase's trace then shows the hop, and the batch's trace shows its
 * statements. A batch that carries no traced message runs without spans.
 */
export function processBatch<T>(
  topic: string,
  messages: readonly TracedMessage[],
  delivery: DeliveryAttributes,
  handle: () => Promise<T>,
): Promise<T> {
  if (!spanBuffer()) return untraced(handle);
  const perMessage: Span[] = [];
  for (const message of messages) {
    const parent = sampledParent(message);
    if (!parent) continue;
    const span = tracer().startSpan(
      `process ${topic}`,
      { kind: SpanKind.CONSUMER, attributes: attributesOf(message, delivery) },
      parent,
    );
    const own = traceparentOfSpan(span);
    if (own) processedUnder.set(message, own);
    perMessage.push(span);
  }
  if (perMessage.length === 0) return untraced(handle);
  // Both ways: the batch names every traced message it carried (a root span with links is always
  // kept, see samplerFor), and each message its batch.
  const batch = tracer().startSpan(`process ${topic} batch`, {
    kind: SpanKind.CONSUMER,
    root: true,
    attributes: {
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(delivery.partition),
      'messaging.consumer.group.name': delivery.group,
      'messaging.batch.message_count': messages.length,
    },
    links: perMessage.map((span) => ({ context: span.spanContext() })),
  });
  for (const span of perMessage) span.addLink({ context: batch.spanContext() });
  return context.with(trace.setSpan(context.active(), batch), () => finish([batch, ...perMessage], handle));
}

/**
 * A producer span for a message leaving the outbox, continuing the trace of the write that queued
 * it; `waitMs` is how long the row waited to be relayed. Returns the span (end it once published)
 * and the `traceparent` the envelope carries on.
 */
export function startPublishSpan(
  topic: string,
  messageId: string,
  traceparent: string | undefined,
  waitMs: number,
): { span: Span; traceparent: string | undefined } {
  const span = tracer().startSpan(
    `publish ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
        'messaging.message.id': messageId,
        'boxoffice.outbox.wait_ms': Math.round(waitMs),
      },
    },
    contextOfTraceparent(traceparent),
  );
  return { span, traceparent: traceparentOfSpan(span) ?? traceparent };
}

export { end as endSpan };
