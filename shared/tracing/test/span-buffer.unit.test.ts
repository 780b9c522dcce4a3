import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanBuffer, traceSummaries } from '@boxoffice/tracing';

/** A finished span as the SDK hands it to a processor (only the fields the buffer reads). */
function finished(traceId: string, name: string, extra: Partial<Record<string, unknown>> = {}): ReadableSpan {
  return {
    name,
    kind: SpanKind.SERVER,
    spanContext: () => ({ traceId, spanId: `${name.length}`.padStart(16, '0'), traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: [1000, 500_000],
    duration: [0, 2_500_000],
    status: { code: SpanStatusCode.UNSET },
    attributes: {
      'http.request.method': 'POST',
      'url.path': '/api/orders',
      'http.request.header.cookie': 'sid=secret',
      ...extra,
    },
    links: [],
    resource: { attributes: { 'service.name': 'gateway' } },
  } as unknown as ReadableSpan;
}

describe('the span buffer', () => {
  test('when more spans end than it holds, then the oldest are dropped and the newest kept, in order', () => {
    const buffer = new SpanBuffer(3);
    for (const name of ['a', 'bb', 'ccc', 'dddd', 'eeeee']) buffer.onEnd(finished('1'.repeat(32), name));
    expect(buffer.list().map((s) => s.name)).toEqual(['ccc', 'dddd', 'eeeee']);
  });

  test('when asked for one trace, then only its spans come back', () => {
    const buffer = new SpanBuffer(10);
    buffer.onEnd(finished('1'.repeat(32), 'one'));
    buffer.onEnd(finished('2'.repeat(32), 'two'));
    expect(buffer.list('2'.repeat(32)).map((s) => s.name)).toEqual(['two']);
  });

  test('when a span is kept, then its timing is in milliseconds and only the listed attributes stay', () => {
    const buffer = new SpanBuffer(1);
    buffer.onEnd(finished('1'.repeat(32), 'POST', { 'db.namespace': 'tickets_9_f' }));
    const [span] = buffer.list();
    expect(span).toMatchObject({
      process: 'gateway',
      kind: 'server',
      startMs: 1_000_000.5,
      durationMs: 2.5,
      error: false,
    });
    expect(span!.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': '/api/orders',
      'db.namespace': 'tickets_9_f',
    });
  });

  test('when summarised, then purchases are the POST /api/orders roots, newest first, and the slowest any root', () => {
    const buffer = new SpanBuffer(10);
    buffer.onEnd(finished('1'.repeat(32), 'POST'));
    buffer.onEnd(
      finished('2'.repeat(32), 'GET', { 'http.request.method': 'GET', 'url.path': '/api/events' }),
    );
    const { purchases, slowest } = traceSummaries(buffer.list());
    expect(purchases.map((p) => p.traceId)).toEqual(['1'.repeat(32)]);
    expect(slowest).toHaveLength(2);
  });
});
