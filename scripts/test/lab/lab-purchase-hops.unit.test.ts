import {
  HOPS,
  type TraceSpan,
  describePurchaseHops,
  hopFigures,
  messageShare,
  purchaseHops,
} from '../../lab/experiments/purchase-hops';

/** A purchase trace as the gateway gives it, with times in ms from 0 (the gateway's first byte). */
function trace(overrides: { busOrders?: number; order?: number } = {}): TraceSpan[] {
  const bus = overrides.busOrders ?? 3;
  const order = overrides.order ?? 5;
  const t = bus + order; // how much later than with no bus delay and no order time everything after comes
  const span = (
    spanId: string,
    process: string,
    kind: string,
    name: string,
    startMs: number,
    durationMs: number,
    extra: Partial<TraceSpan> = {},
  ): TraceSpan => ({ spanId, process, kind, name, startMs, durationMs, attributes: {}, ...extra });
  return [
    span('root', 'gateway', 'server', 'POST', 0, 63 + t),
    span('fwd', 'gateway', 'client', 'POST', 1, 61 + t, { parentSpanId: 'root' }),
    span('tk', 'tickets', 'server', 'POST /api/orders', 2, 57 + t, { parentSpanId: 'fwd' }),
    // The order's transaction begins `order` ms in; its statement ends (commits) 1 ms later.
    span('st', 'tickets', 'client', 'pg.query:INSERT', 2 + order, 1, {
      parentSpanId: 'tk',
      attributes: { 'db.namespace': 'tickets_0_2' },
    }),
    // Picked up 2 ms after the commit (3 ms after the transaction began), confirmed 5 ms later.
    span('po', 'tickets', 'producer', 'publish orders', 5 + order, 5, {
      parentSpanId: 'tk',
      attributes: { 'boxoffice.outbox.wait_ms': 3 },
    }),
    span('de', 'events', 'consumer', 'process orders', 10 + t, 10, { parentSpanId: 'po' }),
    span('ps', 'events', 'producer', 'publish seats', 21 + t, 6, {
      parentSpanId: 'de',
      attributes: { 'boxoffice.outbox.wait_ms': 12 },
    }),
    span('se', 'tickets', 'consumer', 'process seats', 29 + t, 32, { parentSpanId: 'ps' }),
  ];
}

describe('purchase-hops: a purchase trace cut into hops', () => {
  test('when every span of the path is there, then the hops run moment to moment and add up to the request', () => {
    const hops = purchaseHops(trace())!;
    expect(hops).toEqual({
      gatewayIn: 1,
      http: 1,
      order: 5,
      write: 1,
      outboxOrders: 2,
      publishOrders: 5,
      busOrders: 3,
      decide: 10,
      outboxSeats: 1,
      publishSeats: 6,
      busSeats: 2,
      settle: 30,
      back: 4,
    });
    expect(Object.values(hops).reduce((a, b) => a + b, 0)).toBe(71);
  });

  test('when the settlement has not arrived yet, then the trace is not cut', () => {
    expect(purchaseHops(trace().filter((s) => s.name !== 'process seats'))).toBeUndefined();
  });

  test('when the bus dominates or the work inside does, then the paragraph says which', () => {
    const slowBus = purchaseHops(trace({ busOrders: 200 }))!;
    const slowOrder = purchaseHops(trace({ order: 300 }))!;
    const busy = hopFigures([slowBus], [268]);
    const inside = hopFigures([slowOrder], [366]);
    expect(messageShare(busy)).toBeGreaterThan(0.5);
    expect(describePurchaseHops(busy)).toContain(
      'largest hop was “bus: order.requested delivered to the events service” (200 ms',
    );
    expect(describePurchaseHops(busy)).toContain('Most of a purchase is spent between processes');
    expect(describePurchaseHops(inside)).toContain(
      'largest hop was “tickets: the request until its transaction begins (parsing, checks)” (300 ms',
    );
    expect(describePurchaseHops(inside)).toContain('Less than half of a purchase is spent carrying messages');
    expect(Object.keys(busy.hops)).toEqual(HOPS.map(([hop]) => hop));
  });
});
