/**
 * What every phase of `npm run bench:bus` shares: the bus under test, a probe that records
 * publish→handle lag, flood and paced publishers, a rate-limited "slow consumer" and the
 * broker-side memory of a topic.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { createRedisClient } from '@boxoffice/platform';
import { BusOptions, Envelope, OutgoingMessage, ServiceBus, TOPIC_DEFAULTS, createBus } from '@boxoffice/bus';

export type Backend = 'redis' | 'rabbitmq';

/** One backend's run: where its bus lives and the prefix of every name it creates. */
export interface BenchTarget {
  backend: Backend;
  url: string;
  keyPrefix: string;
}

export interface BenchSettings {
  messages: number;
  rate: number;
  seconds: number;
  pgUrl: string;
}

export type Payload = { t: number };

/** Every phase stops after this long whatever happened (bounded). */
export const PHASE_LIMIT_MS = 120_000;
/** A probe gives up waiting after this long without a new message (lost ones never come). */
const IDLE_LIMIT_MS = 5_000;
export const BATCH = 100;
const KEYS = Array.from({ length: 64 }, (_, i) => `key-${i}`);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

/** A bus that reports its background trouble on stderr (a benchmark should not hide it). */
export function benchBus(target: BenchTarget, producer: string, topics: BusOptions['topics']): ServiceBus {
  const bus = createBus({ url: target.url, keyPrefix: target.keyPrefix, producer, topics });
  bus.on('error', (err: Error) => console.error(`${target.backend} bus error: ${err.message}`));
  bus.on('handlerError', (err: Error) => console.error(`${target.backend} handler error: ${err.message}`));
  bus.on('deadLettered', (reason: string) => console.error(`${target.backend} dead-lettered: ${reason}`));
  return bus;
}

/** Runs `run` with a producer bus and a consumer bus (two connections, as two processes would have), then closes both. */
export async function withBuses(
  target: BenchTarget,
  topics: BusOptions['topics'],
  run: (producer: ServiceBus, consumer: ServiceBus) => Promise<void>,
): Promise<void> {
  const producer = benchBus(target, 'bench', topics);
  const consumer = benchBus(target, 'bench-consumer', topics);
  try {
    await run(producer, consumer);
  } finally {
    await consumer.close();
    await producer.close();
  }
}

/** A phase's figures for one backend, printed at once and side by side at the end. */
export interface PhaseResult {
  phase: string;
  backend: Backend;
  /** The compact cell of the side-by-side table. */
  summary: string;
  /** The figures of a phase that counts messages, as numbers (the lab's tables and charts). */
  figures?: ThroughputFigures;
}

/** Messages handled per second and publish→handle lag of a phase; of `sent`, `lost` never arrived. */
export interface ThroughputFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  sent: number;
  lost: number;
}

export function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Milliseconds at a percentile of a histogram of microseconds, 3 significant digits. */
export function msAt(lag: hdr.Histogram, percentile: number): number {
  return lag.totalCount === 0
    ? Number.NaN
    : Number((lag.getValueAtPercentile(percentile) / 1000).toPrecision(3));
}

/** Counts handled messages (and distinct ids) and records publish→handle lag (µs) from the payload's timestamp. */
export class Probe {
  readonly lag = histogram();
  readonly ids = new Set<string>();
  handled = 0;
  private lastAt = performance.now();

  handle = (message: Envelope<Payload>) => {
    this.record(message);
  };

  record(message: Envelope<Payload>, at = nowMicros()): void {
    this.lag.recordValue(Math.max(1, Math.round(at - message.payload.t)));
    this.ids.add(message.id);
    this.handled += 1;
    this.lastAt = performance.now();
  }

  /** Until `count` arrived, the phase limit passed, or nothing arrived for IDLE_LIMIT_MS. */
  async until(count: number, startedAt: number): Promise<void> {
    this.lastAt = performance.now();
    while (
      this.handled < count &&
      performance.now() - startedAt < PHASE_LIMIT_MS &&
      performance.now() - this.lastAt < IDLE_LIMIT_MS
    )
      await sleep(5);
  }

  /** Handled per second since `startedAt`, lag percentiles, and how many of `sent` never came. */
  figures(startedAt: number, sent = this.handled): ThroughputFigures {
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      perSecond: this.handled / seconds,
      p50Ms: msAt(this.lag, 50),
      p99Ms: msAt(this.lag, 99),
      sent,
      lost: Math.max(0, sent - this.ids.size),
    };
  }

  /** "34 471/s p50 717 ms p99 1 084 ms" over `seconds` since `startedAt`. */
  throughput(startedAt: number): string {
    const f = this.figures(startedAt);
    return `${Math.round(f.perSecond)}/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms`;
  }
}

export function batchOf(first: number, size: number): (OutgoingMessage<Payload> & { key: string })[] {
  const t = nowMicros();
  return Array.from({ length: size }, (_, i) => ({
    key: KEYS[(first + i) % KEYS.length]!,
    type: 'bench',
    payload: { t },
  }));
}

/** As fast as possible: batches of 100, up to 8 in flight (pipelined on one connection). */
export async function flood(bus: ServiceBus, topic: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const first = next;
      next += BATCH;
      await bus.publishBatch(topic, batchOf(first, Math.min(BATCH, count - first)));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * `rate` messages per second for `seconds`, in 10 ms ticks; `send(first, size)` publishes them.
 * `at(elapsedMs)` runs between ticks (a phase's scripted event). Returns how many were sent.
 */
export async function paced(
  send: (first: number, size: number) => Promise<unknown>,
  rate: number,
  seconds: number,
  at?: (elapsedMs: number) => Promise<void>,
): Promise<number> {
  const perTick = Math.max(1, Math.round(rate / 100));
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    if (due > sent) {
      const size = Math.min(due - sent, perTick * 5);
      await send(sent, size);
      sent += size;
    }
    await at?.(performance.now() - started);
    await sleep(10);
  }
  return sent;
}

/**
 * A consumer that does `perSecond` units of work a second, whatever the concurrency: each call
 * waits for its slot. Models a handler slower than the traffic (a database under strain).
 */
export function rateLimiter(perSecond: number): () => Promise<void> {
  const gapMs = 1000 / perSecond;
  let next = performance.now();
  return async () => {
    const now = performance.now();
    next = Math.max(next, now) + gapMs;
    const wait = next - gapMs - now;
    if (wait > 0) await sleep(wait);
  };
}

const run = promisify(execFile);

/**
 * What the broker holds for a topic: bytes of memory and messages. Redis: MEMORY USAGE of the
 * topic's partition streams. RabbitMQ: `rabbitmqctl list_queues` (AMQP cannot report a queue's
 * memory) summed over the topic's queues, a few seconds per call on this machine.
 */
export async function topicFootprint(
  target: BenchTarget,
  topic: string,
): Promise<{ bytes: number; messages: number }> {
  if (target.backend === 'rabbitmq') {
    const { stdout } = await run('rabbitmqctl', [
      '-q',
      '--no-table-headers',
      'list_queues',
      'name',
      'memory',
      'messages',
    ]);
    let bytes = 0;
    let messages = 0;
    for (const line of stdout.split('\n')) {
      const [name, memory, count] = line.trim().split(/\s+/);
      if (!name?.startsWith(`${target.keyPrefix}${topic}.`)) continue;
      bytes += Number(memory);
      messages += Number(count);
    }
    return { bytes, messages };
  }
  const redis = createRedisClient(target.url, 'bus');
  try {
    let bytes = 0;
    let messages = 0;
    for (let p = 0; p < TOPIC_DEFAULTS.partitions; p++) {
      const key = `${target.keyPrefix}{${topic}}:${p}`;
      bytes += Number((await redis.memory('USAGE', key)) ?? 0);
      messages += await redis.xlen(key);
    }
    return { bytes, messages };
  } finally {
    await redis.quit();
  }
}

export const kb = (bytes: number) => `${Math.round(bytes / 1024)} kB`;
