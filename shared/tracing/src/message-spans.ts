import { type Link, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { spanBuffer } from './start-tracing';
import { contextOfTraceparent, traceparentOfSpan } from './trace-context';

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
 * Runs a message's handler inside a consumer span that continues the message's trace (a
 * redelivery adds another such span to the same trace, with its delivery count).
 */
/**
 * With tracing off (no SDK started), the handler and nothing else: no no-op spans, no context
 * switch, no map entry per message on the bus's hot path. A synchronous throw still rejects.
 */
function untraced<T>(handle: () => Promise<T>): Promise<T> {
  try {
    return handle();
  } catch (err) {
    return Promise.reject(err);
  }
}

export function processMessage<T>(
  message: TracedMessage,
  delivery: DeliveryAttributes,
  handle: () => Promise<T>,
): Promise<T> {
  if (!spanBuffer()) return untraced(handle);
  const parent = contextOfTraceparent(message.traceparent);
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
 * Runs a batch handler inside one batch span, linked to every message it carried (which requests
 * a batch served), while each message also gets a consumer span in its own trace lasting the
 * batch: a purchase's trace then shows the hop, and the batch's trace shows its statements.
 */
export function processBatch<T>(
  topic: string,
  messages: readonly TracedMessage[],
  delivery: DeliveryAttributes,
  handle: () => Promise<T>,
): Promise<T> {
  if (!spanBuffer()) return untraced(handle);
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
  });
  const toBatch: Link[] = trace.isSpanContextValid(batch.spanContext())
    ? [{ context: batch.spanContext() }]
    : [];
  const perMessage = messages.map((message) => {
    const span = tracer().startSpan(
      `process ${topic}`,
      { kind: SpanKind.CONSUMER, attributes: attributesOf(message, delivery), links: toBatch },
      contextOfTraceparent(message.traceparent),
    );
    const own = traceparentOfSpan(span);
    if (own) processedUnder.set(message, own);
    return span;
  });
  // Both ways: the batch names every message it carried, each message its batch.
  batch.addLinks(
    perMessage
      .map((span) => span.spanContext())
      .filter((ctx) => trace.isSpanContextValid(ctx))
      .map((ctx) => ({ context: ctx })),
  );
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
