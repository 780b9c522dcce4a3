import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';

/** One finished span as the topology page draws it: who, what, when, how long, and where. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The process: `service.name` of its resource (`gateway`, `tickets`, …). */
  process: string;
  name: string;
  kind: 'server' | 'client' | 'producer' | 'consumer' | 'internal';
  /** Epoch milliseconds, with the fraction the clock gives. */
  startMs: number;
  durationMs: number;
  error: boolean;
  /** The span's attributes that say where it ran: shard (`db.namespace`), topic, partition, route. */
  attributes: Record<string, string | number | boolean>;
  /** Spans this one is linked to (a batch's messages), as trace and span ids. */
  links: { traceId: string; spanId: string }[];
}

/** Attributes worth keeping: the rest (statements, headers, sizes) would only fill the buffer. */
const KEPT_ATTRIBUTES = [
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.path',
  'db.namespace',
  'db.system.name',
  'db.operation.name',
  'messaging.destination.name',
  'messaging.destination.partition.id',
  'messaging.operation.type',
  'messaging.message.id',
  'messaging.batch.message_count',
  'boxoffice.delivery_count',
  'boxoffice.outbox.wait_ms',
  'server.address',
];

const KINDS: Record<SpanKind, SpanRecord['kind']> = {
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
  [SpanKind.INTERNAL]: 'internal',
};

function millis([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

/**
 * The last `capacity` finished spans of this process, oldest dropped first: what the topology
 * page's Traces view reads through `/internal/traces`. Memory is bounded by the capacity (a span
 * record is about 0.5 KB, so the default 4,096 is about 2 MB); nothing leaves the process.
 */
export class SpanBuffer implements SpanProcessor {
  private readonly spans: (SpanRecord | undefined)[];
  private next = 0;

  constructor(readonly capacity = 4096) {
    this.spans = new Array<SpanRecord | undefined>(capacity);
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const attributes: SpanRecord['attributes'] = {};
    for (const key of KEPT_ATTRIBUTES) {
      const value = span.attributes[key];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        attributes[key] = value;
    }
    const context = span.spanContext();
    const parent = span.parentSpanContext;
    this.spans[this.next] = {
      traceId: context.traceId,
      spanId: context.spanId,
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      process: String(span.resource.attributes['service.name'] ?? 'unknown'),
      name: span.name,
      kind: KINDS[span.kind],
      startMs: millis(span.startTime),
      durationMs: millis(span.duration),
      error: span.status.code === SpanStatusCode.ERROR,
      attributes,
      links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    };
    this.next = (this.next + 1) % this.capacity;
  }

  /** Every span held, oldest first; only those of `traceId` when given. */
  list(traceId?: string): SpanRecord[] {
    const ordered = [...this.spans.slice(this.next), ...this.spans.slice(0, this.next)];
    return ordered.filter((s): s is SpanRecord => s !== undefined && (!traceId || s.traceId === traceId));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
