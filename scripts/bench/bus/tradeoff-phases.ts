/**
 * The talk's trade-offs, measured on one backend:
 * - at-most-once loses what is sent while a subscriber restarts; at-least-once keeps it;
 * - a finite topic under a slow consumer refuses sends and holds its memory and lag flat, an
 *   unbounded one takes everything and its memory and lag grow;
 * - FIFO against newest-first consumption of a backlog: the latency distribution of each.
 */
import { performance } from 'node:perf_hooks';
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
const SLOW_RATE = 1000;

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
 * Traffic at twice what the consumer handles (SLOW_RATE/s) for `seconds`, into a finite topic
 * (capacity = one second of the consumer's work) and into an unbounded one: sends refused,
 * publish→handle lag (overall and in the last second) and what the broker holds at the end.
 */
export async function backlogPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  for (const [name, capacity] of [
    ['finite', SLOW_RATE],
    ['unbounded', 100_000_000],
  ] as const) {
    const topic = `backlog-${name}`;
    const topics = { [topic]: { capacity } };
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
      // What is stored and not acknowledged. Redis: read at once, before closing (a closing
      // consumer handles and acks what it has read). RabbitMQ: after closing (the consumer's
      // prefetched messages return to the queue), since rabbitmqctl takes seconds, in which the
      // consumer would drain what is being measured.
      if (target.backend === 'rabbitmq') await subscription.close();
      const after = await topicFootprint(target, topic);
      report({
        phase: `${name} topic, consumer at half the rate`,
        backend: target.backend,
        summary:
          `${refused} of ${sent} sends refused; lag p50 ${msAt(probe.lag, 50)} ms, p99 ${msAt(probe.lag, 99)} ms, ` +
          `last second p50 ${msAt(lastSecond, 50)} ms; broker holds ${after.messages} msgs, ${kb(after.bytes)} (from ${kb(before.bytes)})`,
      });
    });
  }
}

/**
 * A backlog (a burst of two seconds of work) and then traffic at 80% of what the consumer
 * handles, for `seconds`. The bus delivers oldest first on both backends (a RabbitMQ queue and a
 * Redis consumer group offer nothing else), so the consumer buffers what it receives and its
 * worker, SLOW_RATE/s, takes the oldest (FIFO) or the newest (newest-first) message. Lag is from
 * publish to the worker taking it; what is still waiting at the end counts with its age then.
 */
export async function orderingPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  for (const order of ['FIFO', 'newest-first'] as const) {
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
      await producer.publishBatch(topic, batchOf(0, 2 * SLOW_RATE));
      const sent =
        2 * SLOW_RATE +
        (await paced(
          (first, size) => producer.publishBatch(topic, batchOf(first, size)),
          0.8 * SLOW_RATE,
          s.seconds,
        ));
      const unserved = sent - served;
      for (const message of waiting)
        lag.recordValue(Math.max(1, Math.round(nowMicros() - message.payload.t)));
      report({
        phase: `${order} under a backlog`,
        backend: target.backend,
        summary:
          `p50 ${msAt(lag, 50)} ms, p90 ${msAt(lag, 90)} ms, p99 ${msAt(lag, 99)} ms, max ${msAt(lag, 100)} ms; ` +
          `${unserved} of ${sent} not served when traffic stopped`,
      });
    } finally {
      running = false;
      await worker;
      await consumer.close();
      await producer.close();
    }
  }
}
