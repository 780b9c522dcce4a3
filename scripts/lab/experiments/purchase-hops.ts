import { median, quantile } from '../../bench/read/measure';
import { signUpAndIn } from '../../api/api-client';
import { daysFromNow } from '../../api/seeding';
import { startStack } from '../../stack/start-stack';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { fig } from '../wording';

/** A span as `/admin/api/traces/{traceId}` gives it (the fields read here). */
export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  process: string;
  name: string;
  kind: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
}

/**
 * The hops of a purchase, in the order it crosses them: each is the time between two moments of
 * its trace, so together they are the whole request as the gateway saw it.
 */
export const HOPS = [
  ['gatewayIn', 'gateway in', 'gateway: from the first byte to the forward'],
  ['http', 'HTTP hop', 'gateway → tickets: the HTTP hop'],
  ['order', 'order checked', 'tickets: the request until its transaction begins (parsing, checks)'],
  ['write', 'order written', "tickets: the order's transaction (order and message rows), to its commit"],
  [
    'outboxOrders',
    'outbox wait',
    "tickets: order.requested waits for the relay (the commit's NOTIFY, 5 ms gathering)",
  ],
  ['publishOrders', 'relay publish', 'tickets: the relay publishes it, until the bus confirms'],
  ['busOrders', 'bus → events', 'bus: order.requested delivered to the events service'],
  ['decide', 'seat decision', "events: the seat decision (its batch's transaction, to the commit)"],
  ['outboxSeats', 'outbox wait 2', 'events: the answer waits for the relay (NOTIFY, 5 ms gathering)'],
  ['publishSeats', 'relay publish 2', 'events: the relay publishes it, until the bus confirms'],
  ['busSeats', 'bus → tickets', 'bus: the answer delivered to the tickets service'],
  ['settle', 'settle, answer', 'tickets: the order settled and the waiting request answered'],
  ['back', 'back out', 'tickets → gateway → client: the answer on its way back'],
] as const;

export type Hop = (typeof HOPS)[number][0];

/** Which hops carry a message (outbox, relay, bus) rather than do the request's work. */
const MESSAGE_HOPS: readonly Hop[] = [
  'outboxOrders',
  'publishOrders',
  'busOrders',
  'outboxSeats',
  'publishSeats',
  'busSeats',
];

const end = (s: TraceSpan) => s.startMs + s.durationMs;
/**
 * When the transaction that wrote a message's outbox row began: the row's `occurred_at` is the
 * database's now(), the transaction's start, and the relay's span starts `wait_ms` after it.
 */
const transactionBegan = (s: TraceSpan) => s.startMs - Number(s.attributes['boxoffice.outbox.wait_ms'] ?? 0);

/**
 * One purchase trace cut into its hops, in ms, or undefined when a span of the path is missing
 * (the trace is not complete yet). Each hop runs from one moment of the trace to the next: the
 * gateway's and the tickets service's request spans; the order's transaction, from its start (the
 * outbox row's time, to the ms) to the end of its last statement (the commit); the relay's
 * publish; the events service's span for the order, which lasts its batch to the commit; the
 * settlement's span. All processes share one clock on one machine; a gap below 0 (rounding)
 * counts as 0.
 */
export function purchaseHops(spans: readonly TraceSpan[]): Record<Hop, number> | undefined {
  const find = (process: string, kind: string, name?: string) =>
    spans.find((s) => s.process === process && s.kind === kind && (name === undefined || s.name === name));
  const root = spans.find((s) => s.process === 'gateway' && s.kind === 'server' && !s.parentSpanId);
  const forward = find('gateway', 'client');
  const tickets = find('tickets', 'server', 'POST /api/orders');
  const publishOrders = find('tickets', 'producer', 'publish orders');
  const decide = find('events', 'consumer', 'process orders');
  const publishSeats = find('events', 'producer', 'publish seats');
  const settle = find('tickets', 'consumer', 'process seats');
  if (!root || !forward || !tickets || !publishOrders || !decide || !publishSeats || !settle)
    return undefined;
  const began = transactionBegan(publishOrders);
  const committed = Math.max(
    began,
    ...spans
      .filter(
        (s) =>
          s.parentSpanId === tickets.spanId &&
          s.attributes['db.namespace'] &&
          end(s) <= publishOrders.startMs,
      )
      .map(end),
  );
  const moments = [
    root.startMs,
    forward.startMs,
    tickets.startMs,
    began,
    committed,
    publishOrders.startMs,
    end(publishOrders),
    decide.startMs,
    Math.min(end(decide), publishSeats.startMs),
    publishSeats.startMs,
    end(publishSeats),
    settle.startMs,
    end(tickets),
    end(root),
  ];
  return Object.fromEntries(
    HOPS.map(([hop], i) => [hop, Math.max(0, moments[i + 1]! - moments[i]!)]),
  ) as Record<Hop, number>;
}

/** Median and 90th percentile of each hop over the purchases, with the whole request's. */
export interface HopFigures {
  purchases: number;
  totalMs: number;
  hops: Record<Hop, { medianMs: number; p90Ms: number }>;
}

export function hopFigures(traces: readonly Record<Hop, number>[], totals: readonly number[]): HopFigures {
  const hops = Object.fromEntries(
    HOPS.map(([hop]) => {
      const values = traces.map((t) => t[hop]);
      return [hop, { medianMs: median(values), p90Ms: quantile(values, 0.9) }];
    }),
  ) as HopFigures['hops'];
  return { purchases: traces.length, totalMs: median(totals), hops };
}

/** The share of the median purchase its message hops (outbox, relay, bus) take. */
export function messageShare(f: HopFigures): number {
  return MESSAGE_HOPS.reduce((sum, hop) => sum + f.hops[hop].medianMs, 0) / f.totalMs;
}

/** The paragraph, from the hops' medians. */
export function describePurchaseHops(f: HopFigures): string {
  const [largest, , label] = HOPS.reduce((a, b) => (f.hops[b[0]].medianMs > f.hops[a[0]].medianMs ? b : a));
  const work = f.hops.write.medianMs + f.hops.decide.medianMs + f.hops.settle.medianMs;
  const share = messageShare(f);
  return (
    `The median purchase took ${fig(f.totalMs)} ms from the gateway's first byte to its answer (${f.purchases} purchases, one at a time). ` +
    `Its largest hop was “${label}” (${fig(f.hops[largest].medianMs)} ms, ${fig((100 * f.hops[largest].medianMs) / f.totalMs)} %). ` +
    `Carrying the two messages (waiting for the relay, publishing with a confirm, the bus's deliveries) took ${fig(share * 100)} % of it, ` +
    `the three transactions (the order, the seat decision, the settlement) together ${fig(work)} ms, ` +
    `and the HTTP hop from the gateway to tickets ${fig(f.hops.http.medianMs)} ms. ` +
    (share >= 0.5
      ? 'Most of a purchase is spent between processes, not in them: the saga pays in latency for holding no lock across services.'
      : 'Less than half of a purchase is spent carrying messages here: the work inside the processes weighs more than the hops between them at this load.')
  );
}

interface PurchaseSize {
  purchases: number;
}

/** The newest purchase's trace id in the gateway's list, once one started at or after `after`. */
async function newestPurchase(gatewayUrl: string, after: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const list = (await (await fetch(`${gatewayUrl}/admin/api/traces`)).json()) as {
      purchases: { traceId: string; startMs: number }[];
    };
    const found = list.purchases.find((p) => p.startMs >= after);
    if (found) return found.traceId;
    if (Date.now() > deadline) throw new Error('the gateway listed no trace for the purchase');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The trace's spans once the settlement's has arrived (it ends after the answer, in another process). */
async function spansOf(gatewayUrl: string, traceId: string): Promise<TraceSpan[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { spans } = (await (await fetch(`${gatewayUrl}/admin/api/traces/${traceId}`)).json()) as {
      spans: TraceSpan[];
    };
    if (purchaseHops(spans)) return spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} never reached the settlement`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const purchaseHopsExperiment = defineExperiment<PurchaseSize>({
  name: 'purchase-hops',
  idea: 'services behind one gateway, talking through a bus: what each hop of a purchase costs',
  implementedIn: 'shared/tracing/src/message-spans.ts',
  question:
    "Where does a purchase's time go as it crosses the gateway, two services and the bus, read from its trace?",
  sizes: { quick: { purchases: 5 }, standard: { purchases: 30 } },
  async run(settings, size): Promise<ExperimentFigures> {
    // Tracing on whatever the caller's environment says, every trace kept, as npm start does; the
    // purchases go one at a time, so each hop is timed with nothing queued in front of it (a batch
    // of one order).
    const stack = await startStack({
      env: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    });
    try {
      const organizer = await signUpAndIn(stack.gatewayUrl, { displayName: 'Lab organizer' });
      const buyer = await signUpAndIn(stack.gatewayUrl, { displayName: 'Lab buyer' });
      const event = await organizer.client.createEvent({
        title: 'Lab hops',
        venue: 'Hall',
        startsAt: daysFromNow(3),
        capacity: size.purchases + 5,
      });
      // One purchase first, untimed: the first of each path pays for connections and JIT.
      const warm = await buyer.client.order({ eventId: event.id, quantity: 1 });
      if (warm.status !== 201) throw new Error(`the warm-up purchase answered ${warm.status}`);
      const hops: Record<Hop, number>[] = [];
      const totals: number[] = [];
      for (let i = 0; i < size.purchases; i++) {
        const before = Date.now();
        const res = await buyer.client.order({ eventId: event.id, quantity: 1 });
        if (res.status !== 201) throw new Error(`purchase ${i + 1} answered ${res.status}`);
        const spans = await spansOf(stack.gatewayUrl, await newestPurchase(stack.gatewayUrl, before));
        hops.push(purchaseHops(spans)!);
        totals.push(spans.find((s) => s.process === 'gateway' && !s.parentSpanId)!.durationMs);
      }
      settings.log(`purchase-hops: ${hops.length} traces read`);
      const f = hopFigures(hops, totals);
      return {
        setup:
          `A private stack (one instance of each service, the bus on Redis Streams) keeping every trace; one buyer makes ${size.purchases} purchases ` +
          "of one seat, one at a time, after one untimed purchase; each purchase's trace is read back from /admin/api/traces and cut into hops: " +
          "a span's own time, or the gap between two spans (the bus's delivery: from the publish's confirm to the consumer's span). " +
          'Nothing alternates: this is one design taken apart, not two compared.',
        table: {
          columns: ['hop', 'median ms', 'p90 ms', 'share of the purchase'],
          rows: [
            ...HOPS.map(([hop, , label]) => [
              label,
              f.hops[hop].medianMs,
              f.hops[hop].p90Ms,
              `${fig((100 * f.hops[hop].medianMs) / f.totalMs)} %`,
            ]),
            ['the whole purchase, at the gateway', f.totalMs, quantile(totals, 0.9), '100 %'],
          ],
        },
        chart: {
          title: 'One purchase, hop by hop: median ms',
          unit: 'ms',
          bars: HOPS.map(([hop, short]) => ({ label: short, value: f.hops[hop].medianMs })),
        },
        paragraph: describePurchaseHops(f),
        ratios: { 'message hops / purchase': messageShare(f) },
      };
    } finally {
      await stack.stop();
    }
  },
});
