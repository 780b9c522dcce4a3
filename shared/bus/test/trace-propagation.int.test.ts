import { type Span, SpanKind, context, trace } from '@opentelemetry/api';
import { Envelope, ServiceBus, SubscribeOptions, createBus } from '@boxoffice/bus';
import { type SpanRecord, spanBuffer, startTracing, stopTracing } from '@boxoffice/tracing';
import { BACKENDS, eventually, testKeyPrefix } from './bus-test-support';

/**
 * Trace context through the bus, on both backends, with the real SDK in this process: a consumer's
 * span continues the publisher's trace, a redelivery adds a span to the same trace, a batch is
 * linked to every message it carried, and a traceparent that is not W3C starts a new trace
 * instead of failing the message.
 */
const FAST: SubscribeOptions = { visibilityTimeoutMs: 1000, leaseMs: 900, blockMs: 200, retryDelayMs: 50 };

beforeAll(() => startTracing({ serviceName: 'bus-test', env: { OTEL_TRACES_SAMPLER: 'always_on' } }));
afterAll(() => stopTracing());

/** Runs `work` inside a new sampled span and returns that span's ids. */
async function inSpan(work: () => Promise<unknown>): Promise<{ traceId: string; spanId: string }> {
  const span: Span = trace.getTracer('test').startSpan('test request', { kind: SpanKind.SERVER, root: true });
  await context.with(trace.setSpan(context.active(), span), work);
  span.end();
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

const spans = (traceId: string): SpanRecord[] => spanBuffer()!.list(traceId);

describe.each(BACKENDS)('trace context on $name', (backend) => {
  const { keyPrefix, cleanUp } = testKeyPrefix(backend);
  const buses: ServiceBus[] = [];

  function newBus(): ServiceBus {
    // The batched topic names its group up front, so RabbitMQ queues what is published before it subscribes.
    const bus = createBus({
      url: backend.url,
      keyPrefix,
      producer: 'test',
      topics: { batched: { groups: ['readers'] } },
    });
    bus.on('error', () => undefined);
    bus.on('handlerError', () => undefined);
    buses.push(bus);
    return bus;
  }

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await cleanUp();
  });

  test("when a message is published inside a span, then its consumer span is that span's child, with topic and partition", async () => {
    const bus = newBus();
    const seen: Envelope[] = [];
    await bus.subscribe('traced', 'readers', (message) => void seen.push(message), FAST);
    const parent = await inSpan(() => bus.publish('traced', 'k1', { type: 't', payload: {} }));
    await eventually('the message', () => seen.length === 1);
    await eventually('its span', () => spans(parent.traceId).some((s) => s.name === 'process traced'));
    const hop = spans(parent.traceId).find((s) => s.name === 'process traced')!;
    expect(hop).toMatchObject({ kind: 'consumer', parentSpanId: parent.spanId });
    expect(hop.attributes).toMatchObject({
      'messaging.destination.name': 'traced',
      'messaging.destination.partition.id': expect.any(String),
      'messaging.message.id': seen[0]!.id,
    });
  });

  test('when a message is redelivered, then each delivery is a span of the same trace, counted', async () => {
    const bus = newBus();
    let attempts = 0;
    await bus.subscribe(
      'retried',
      'readers',
      () => {
        attempts += 1;
        if (attempts === 1) throw new Error('first delivery fails');
      },
      FAST,
    );
    const parent = await inSpan(() => bus.publish('retried', 'k1', { type: 't', payload: {} }));
    await eventually(
      'two deliveries',
      () => spans(parent.traceId).filter((s) => s.name === 'process retried').length === 2,
    );
    const hops = spans(parent.traceId).filter((s) => s.name === 'process retried');
    expect(hops.map((s) => s.error)).toEqual([true, false]);
    expect(hops.every((s) => s.parentSpanId === parent.spanId)).toBe(true);
    expect(hops[1]!.attributes['boxoffice.delivery_count']).toBe(2);
  });

  test('when a batch carries messages of two traces, then each trace has its hop, linked to one batch span that links back', async () => {
    const bus = newBus();
    let batches = 0;
    const a = await inSpan(() => bus.publish('batched', 'k1', { type: 't', payload: 1 }));
    const b = await inSpan(() => bus.publish('batched', 'k1', { type: 't', payload: 2 }));
    await bus.subscribeBatch('batched', 'readers', async () => void (batches += 1), {
      ...FAST,
      batchSize: 10,
    });
    await eventually('both hops', () =>
      [a, b].every((p) => spans(p.traceId).some((s) => s.name === 'process batched')),
    );
    const hopA = spans(a.traceId).find((s) => s.name === 'process batched')!;
    const hopB = spans(b.traceId).find((s) => s.name === 'process batched')!;
    expect(batches).toBe(1);
    expect(hopA.links).toEqual(hopB.links);
    const batch = spans(hopA.links[0]!.traceId).find((s) => s.spanId === hopA.links[0]!.spanId)!;
    expect(batch).toMatchObject({
      name: 'process batched batch',
      attributes: { 'messaging.batch.message_count': 2 },
    });
    expect(batch.parentSpanId).toBeUndefined();
    expect(batch.links).toEqual(
      expect.arrayContaining([
        { traceId: a.traceId, spanId: hopA.spanId },
        { traceId: b.traceId, spanId: hopB.spanId },
      ]),
    );
  });

  test.each([
    ['no traceparent', undefined],
    ['a traceparent that is not W3C', 'not-w3c-at-all'],
    ['a traceparent not sampled', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'],
  ])(
    'when an envelope carries %s, then the message is handled, without a span',
    async (_what, traceparent) => {
      const bus = newBus();
      const topic = `untraced${traceparent?.length ?? 0}`;
      const seen: Envelope[] = [];
      await bus.subscribe(topic, 'readers', (message) => void seen.push(message), FAST);
      const sent = await bus.publish(topic, 'k1', {
        type: 't',
        payload: {},
        ...(traceparent ? { traceparent } : {}),
      });
      await eventually('the message', () => seen.length === 1);
      expect(seen[0]!.id).toBe(sent.id);
      expect(
        spanBuffer()!
          .list()
          .filter((s) => s.attributes['messaging.message.id'] === sent.id),
      ).toEqual([]);
    },
  );

  test('when a batch carries no traced message, then it runs without a batch span', async () => {
    const bus = newBus();
    let handled = 0;
    await bus.subscribeBatch('plain', 'readers', async (batch) => void (handled += batch.length), {
      ...FAST,
      batchSize: 10,
    });
    await bus.publish('plain', 'k1', { type: 't', payload: 1 });
    await bus.publish('plain', 'k1', { type: 't', payload: 2 });
    await eventually('both messages', () => handled === 2);
    expect(
      spanBuffer()!
        .list()
        .filter((s) => s.name === 'process plain batch'),
    ).toEqual([]);
  });
});
