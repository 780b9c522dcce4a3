/**
 * The talk's trade-offs, measured on one backend:
 * - at-most-once loses what is sent while a subscriber restarts; at-least-once keeps it;
 * - a finite topic under a slow consumer refuses sends and holds its memory and lag flat, an
 *   unbounded one takes everything and its memory and lag grow;
 * - FIFO against newest-first consumption of a backlog: the latency distribution of each.
 * The backlog and ordering phases return their figures (`QueueFigures`), which `npm run bench:bus`
 * prints as one line each and the lab's `bus-queues` experiment tabulates.
 */
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import {
  BenchSettings,
  BenchTarget,
  Payload,
  PhaseResult,
  Probe,
  batchOf,
  benchBus,
  withBuses,
  histogram,
  kb,
  msAt,
  nowMicros,
  paced,
  rateLimiter,
  sleep,
  topicFootprint,
} from './bench-support';
import { Envelope, Subscription, isBusFullError } from '@boxoffice/bus';

type Report = (result: PhaseResult) => void;

/** How long the subscriber is away in the restart phase. */
export const AWAY_MS = 500;
/** Messages per second the slow consumer handles in the backlog phases. */
export const SLOW_RATE = 1000;

/**
 * Paced traffic while the one subscriber closes at a third of the run and subscribes again
 * AWAY_MS later: what each delivery mode loses.
 */
export async function restartPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  for (const delivery of ['at-most-once', 'at-least-once'] as const) {
    const topic = `restart-${delivery}`;
    const topics = { [topic]: { delivery } };
    await withBuses(target, topics, async (producer, consumer) => {
      const probe = new Probe();
      let subscription: Subscription | undefined = await consumer.subscribe(topic, 'bench', probe.handle);
      let awayFor = 0;
      const started = performance.now();
      const sent = await paced(
        (first, size) => producer.publishBatch(topic, batchOf(first, size)),
        s.rate,
        s.seconds,
        async (elapsed) => {
          if (subscription && elapsed > (s.seconds * 1000) / 3) {
            const away = performance.now();
            await subscription.close();
            subscription = undefined;
            await sleep(AWAY_MS);
            subscription = await consumer.subscribe(topic, 'bench', probe.handle);
            awayFor = performance.now() - away;
          }
        },
      );
      await probe.until(sent, started);
      const lost = sent - probe.ids.size;
      report({
        phase: `${delivery}, subscriber away ${AWAY_MS} ms`,
        backend: target.backend,
        summary: `${lost} of ${sent} lost (${((100 * lost) / sent).toFixed(1)}%), away ${Math.round(awayFor)} ms in all`,
        figures: probe.figures(started, sent),
      });
    });
  }
}

/**
 * What one queue phase measured (the backlog and ordering phases): how many messages were
 * offered, refused and left waiting, publish→handle lag, and what the broker held at the end.
 * `npm run bench:bus` prints it as one line; the lab's `bus-queues` experiment tabulates it.
 */
export interface QueueFigures {
  /** Messages offered by the producer. */
  sent: number;
  /** Sends the broker refused because the topic was full. */
  refused: number;
  /** Accepted but not handled when the traffic stopped. */
  unserved: number;
  lag: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number };
  /** Median lag of what was handled in the traffic's last second (backlog phases). */
  lastSecondP50Ms?: number;
  /**
   * What the broker held for the topic before the traffic and at its end (backlog phases; the
   * ordering phases' consumer takes every message off the broker into its own buffer at once).
   */
  broker?: { messages: number; bytes: number; bytesBefore: number };
}

const lagOf = (lag: Histogram) => ({
  p50Ms: msAt(lag, 50),
  p90Ms: msAt(lag, 90),
  p99Ms: msAt(lag, 99),
  maxMs: msAt(lag, 100),
});

/** The two topics of the backlog phases: capacity one second of the consumer's work, and none that matters. */
export const BACKLOG_QUEUES = { finite: SLOW_RATE, unbounded: 100_000_000 } as const;
export type BacklogQueue = keyof typeof BACKLOG_QUEUES;

/**
 * Traffic at twice what the consumer handles (SLOW_RATE/s) for `seconds`, into a topic of
 * `BACKLOG_QUEUES[queue]` capacity: sends refused, publish→handle lag (overall and in the last
 * second) and what the broker holds at the end.
 */
export async function backlogPhase(
  target: BenchTarget,
  s: Pick<BenchSettings, 'seconds'>,
  queue: BacklogQueue,
): Promise<QueueFigures> {
  const topic = `backlog-${queue}`;
  const topics = { [topic]: { capacity: BACKLOG_QUEUES[queue] } };
  let figures: QueueFigures | undefined;
  await withBuses(target, topics, async (producer, consumer) => {
    const probe = new Probe();
    const lastSecond = histogram();
    const work = rateLimiter(SLOW_RATE);
    let endsAt = Number.POSITIVE_INFINITY;
    const subscription = await consumer.subscribe<Payload>(topic, 'bench', async (message) => {
      await work();
      probe.record(message);
      if (performance.now() > endsAt - 1000)
        lastSecond.recordValue(Math.max(1, Math.round(nowMicros() - message.payload.t)));
    });
    const before = await topicFootprint(target, topic);
    let refused = 0;
    const sends: Promise<unknown>[] = [];
    endsAt = performance.now() + s.seconds * 1000;
    // Not awaited tick by tick: the offered rate must not depend on how fast confirms come.
    const sent = await paced(
      async (first, size) => {
        for (const m of batchOf(first, size))
          sends.push(
            producer.publish(topic, m.key, m).catch((err: unknown) => {
              if (!isBusFullError(err)) throw err;
              refused += 1;
            }),
          );
      },
      2 * SLOW_RATE,
      s.seconds,
    );
    await Promise.all(sends);
    const unserved = Math.max(0, sent - refused - probe.handled);
    // What is stored and not acknowledged. Redis: read at once, before closing (a closing
    // consumer handles and acks what it has read). RabbitMQ: after closing (the consumer's
    // prefetched messages return to the queue), since rabbitmqctl takes seconds, in which the
    // consumer would drain what is being measured.
    if (target.backend === 'rabbitmq') await subscription.close();
    const after = await topicFootprint(target, topic);
    figures = {
      sent,
      refused,
      unserved,
      lag: lagOf(probe.lag),
      lastSecondP50Ms: msAt(lastSecond, 50),
      broker: { ...after, bytesBefore: before.bytes },
    };
  });
  return figures!;
}

/** Both backlog phases, finite then unbounded, each reported as one line of `npm run bench:bus`. */
export async function backlogPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  for (const queue of Object.keys(BACKLOG_QUEUES) as BacklogQueue[]) {
    const f = await backlogPhase(target, s, queue);
    report({
      phase: `${queue} topic, consumer at half the rate`,
      backend: target.backend,
      summary:
        `${f.refused} of ${f.sent} sends refused; lag p50 ${f.lag.p50Ms} ms, p99 ${f.lag.p99Ms} ms, ` +
        `last second p50 ${f.lastSecondP50Ms} ms; broker holds ${f.broker!.messages} msgs, ${kb(f.broker!.bytes)} (from ${kb(f.broker!.bytesBefore)})`,
    });
  }
}

export const CONSUMPTION_ORDERS = ['FIFO', 'newest-first'] as const;
export type ConsumptionOrder = (typeof CONSUMPTION_ORDERS)[number];
/** The backlog the ordering phases start with: two seconds of the consumer's work. */
export const ORDERING_BACKLOG = 2 * SLOW_RATE;
/** The ordering phases' traffic after the backlog, as a share of what the consumer handles. */
export const ORDERING_LOAD = 0.8;

/**
 * A backlog (ORDERING_BACKLOG messages at once) and then traffic at ORDERING_LOAD of what the
 * consumer handles, for `seconds`. The bus delivers oldest first on both backends (a RabbitMQ
 * queue and a Redis consumer group offer nothing else), so the consumer buffers what it receives
 * and its worker, SLOW_RATE/s, takes the oldest (FIFO) or the newest (newest-first) message. Lag
 * is from publish to the worker taking it; what is still waiting at the end counts with its age then.
 */
export async function orderingPhase(
  target: BenchTarget,
  s: Pick<BenchSettings, 'seconds'>,
  order: ConsumptionOrder,
): Promise<QueueFigures> {
  const topic = `order-${order === 'FIFO' ? 'fifo' : 'lifo'}`;
  const topics = { [topic]: { capacity: 1_000_000 } };
  const producer = benchBus(target, 'bench', topics);
  const consumer = benchBus(target, 'bench-consumer', topics);
  const waiting: Envelope<Payload>[] = [];
  const lag = histogram();
  let served = 0;
  let running = true;
  const worker = (async () => {
    const perTick = SLOW_RATE / 100;
    while (running) {
      for (let i = 0; i < perTick && waiting.length > 0; i++) {
        const message = order === 'FIFO' ? waiting.shift()! : waiting.pop()!;
        lag.recordValue(Math.max(1, Math.round(nowMicros() - message.payload.t)));
        served += 1;
      }
      await sleep(10);
    }
  })();
  try {
    await consumer.subscribe<Payload>(topic, 'bench', (message) => {
      waiting.push(message);
    });
    await producer.publishBatch(topic, batchOf(0, ORDERING_BACKLOG));
    const sent =
      ORDERING_BACKLOG +
      (await paced(
        (first, size) => producer.publishBatch(topic, batchOf(first, size)),
        ORDERING_LOAD * SLOW_RATE,
        s.seconds,
      ));
    const unserved = sent - served;
    for (const message of waiting) lag.recordValue(Math.max(1, Math.round(nowMicros() - message.payload.t)));
    return { sent, refused: 0, unserved, lag: lagOf(lag) };
  } finally {
    running = false;
    await worker;
    await consumer.close();
    await producer.close();
  }
}

/** Both ordering phases, FIFO then newest-first, each reported as one line of `npm run bench:bus`. */
export async function orderingPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  for (const order of CONSUMPTION_ORDERS) {
    const f = await orderingPhase(target, s, order);
    report({
      phase: `${order} under a backlog`,
      backend: target.backend,
      summary:
        `p50 ${f.lag.p50Ms} ms, p90 ${f.lag.p90Ms} ms, p99 ${f.lag.p99Ms} ms, max ${f.lag.maxMs} ms; ` +
        `${f.unserved} of ${f.sent} not served when traffic stopped`,
    });
  }
}
