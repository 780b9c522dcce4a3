/**
 * `npm run bench:bus`: publish→handle throughput and lag of the bus on this machine, in three
 * modes — at-least-once (streams, consumer group, acks), at-most-once (PUBLISH/SUBSCRIBE) and
 * through the outbox (Postgres → relay → bus → consumer). Each mode runs a flood (throughput)
 * and a paced run (lag when the bus is not saturated). Bounded: every phase stops after its
 * message count or its time limit, and the script deletes its Redis keys and database.
 *
 * Options: --messages N (flood size, default 100000), --rate R (paced msgs/s, default 2000),
 * --seconds S (paced duration, default 5). PG_URL and REDIS_URL as for the services.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import knex from 'knex';
import {
  BusOptions,
  Envelope,
  OutboxRelay,
  OutgoingMessage,
  ServiceBus,
  createBus,
  createRedisClient,
  deleteKeysWithPrefix,
  dropDatabase,
  ensureDatabase,
  migrateLatest,
  outboxMigration,
  withDatabase,
  writeOutbox,
} from '@boxoffice/shared';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '5' },
  },
});
const MESSAGES = Number(args.messages);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const PHASE_LIMIT_MS = 120_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const RUN = `bench_${process.pid}_${Date.now().toString(36)}`;
const KEY_PREFIX = `${RUN}:bus:`;
const BATCH = 100;
const KEYS = Array.from({ length: 64 }, (_, i) => `key-${i}`);

type Payload = { t: number };

/** A bus that reports its background trouble on stderr (a benchmark should not hide it). */
function benchBus(producer: string, topics: BusOptions['topics']): ServiceBus {
  const bus = createBus({ url: REDIS_URL, keyPrefix: KEY_PREFIX, producer, topics });
  bus.on('error', (err: Error) => console.error(`bus error: ${err.message}`));
  bus.on('handlerError', (err: Error) => console.error(`handler error: ${err.message}`));
  bus.on('deadLettered', (reason: string) => console.error(`dead-lettered: ${reason}`));
  return bus;
}
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PhaseResult {
  phase: string;
  handled: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}
const results: PhaseResult[] = [];

/** Counts handled messages and records publish→handle lag (µs) from the payload's timestamp. */
class Probe {
  readonly lag = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  handled = 0;
  handle = (message: Envelope<Payload>) => {
    this.lag.recordValue(Math.max(1, Math.round(nowMicros() - message.payload.t)));
    this.handled += 1;
  };
  async until(count: number, startedAt: number): Promise<void> {
    while (this.handled < count && performance.now() - startedAt < PHASE_LIMIT_MS) await sleep(5);
  }
  report(phase: string, startedAt: number): void {
    const seconds = (performance.now() - startedAt) / 1000;
    const ms = (p: number) => Math.round(this.lag.getValueAtPercentile(p) / 10) / 100;
    const result = {
      phase,
      handled: this.handled,
      seconds: Math.round(seconds * 100) / 100,
      perSecond: Math.round(this.handled / seconds),
      p50ms: ms(50),
      p99ms: ms(99),
      maxMs: Math.round(this.lag.maxValue / 10) / 100,
    };
    results.push(result);
    console.log(
      `${phase.padEnd(28)} ${String(result.handled).padStart(7)} msgs in ${result.seconds.toFixed(2).padStart(6)} s = ${String(result.perSecond).padStart(6)}/s   lag p50 ${result.p50ms} ms  p99 ${result.p99ms} ms  max ${result.maxMs} ms`,
    );
  }
}

function batchOf(first: number, size: number): (OutgoingMessage<Payload> & { key: string })[] {
  const t = nowMicros();
  return Array.from({ length: size }, (_, i) => ({
    key: KEYS[(first + i) % KEYS.length],
    type: 'bench',
    payload: { t },
  }));
}

/** As fast as possible: batches of 100, up to 8 in flight (pipelined on one connection). */
async function flood(bus: ServiceBus, topic: string, count: number): Promise<void> {
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

/** RATE messages per second for SECONDS, in 10 ms ticks. Returns how many were sent. */
async function paced(send: (first: number, size: number) => Promise<unknown>, rate = RATE): Promise<number> {
  const perTick = Math.max(1, Math.round(rate / 100));
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    if (due > sent) {
      const size = Math.min(due - sent, perTick * 5);
      await send(sent, size);
      sent += size;
    }
    await sleep(10);
  }
  return sent;
}

async function streamPhases(): Promise<void> {
  const topics = { flood: { capacity: 1_000_000 }, paced: { capacity: 1_000_000 } };
  const producer = benchBus('bench', topics);
  const consumer = benchBus('bench-consumer', topics);
  try {
    const flooded = new Probe();
    await consumer.subscribe('flood', 'bench', flooded.handle);
    let started = performance.now();
    await flood(producer, 'flood', MESSAGES);
    await flooded.until(MESSAGES, started);
    flooded.report('at-least-once flood', started);

    const steady = new Probe();
    await consumer.subscribe('paced', 'bench', steady.handle);
    started = performance.now();
    const sent = await paced((first, size) => producer.publishBatch('paced', batchOf(first, size)));
    await steady.until(sent, started);
    steady.report(`at-least-once ${RATE}/s`, started);
  } finally {
    await consumer.close();
    await producer.close();
  }
}

async function broadcastPhases(): Promise<void> {
  const topics = { wake: { delivery: 'at-most-once' as const } };
  const producer = benchBus('bench', topics);
  const consumer = benchBus('bench-consumer', topics);
  try {
    const flooded = new Probe();
    const subscription = await consumer.subscribe('wake', 'bench', flooded.handle);
    let started = performance.now();
    await flood(producer, 'wake', MESSAGES);
    await flooded.until(MESSAGES, started);
    flooded.report('at-most-once flood', started);
    await subscription.close();

    const steady = new Probe();
    await consumer.subscribe('wake', 'bench', steady.handle);
    started = performance.now();
    const sent = await paced((first, size) => producer.publishBatch('wake', batchOf(first, size)));
    await steady.until(sent, started);
    steady.report(`at-most-once ${RATE}/s`, started);
  } finally {
    await consumer.close();
    await producer.close();
  }
}

async function outboxPhases(): Promise<void> {
  const url = withDatabase(PG_URL, `${RUN}_outbox`);
  await ensureDatabase(url);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  const bus = createBus({
    url: REDIS_URL,
    keyPrefix: KEY_PREFIX,
    producer: 'bench',
    topics: { relayed: { capacity: 1_000_000 } },
  });
  const relay = new OutboxRelay({ bus, shards: [{ name: 'bench', db }], batchSize: BATCH });
  const write = (first: number, size: number) =>
    db.transaction((trx) =>
      writeOutbox(
        trx,
        ...batchOf(first, size).map((m) => ({
          topic: 'relayed',
          key: m.key,
          type: m.type,
          payload: m.payload,
        })),
      ),
    );
  try {
    await migrateLatest(db, [outboxMigration]);
    await relay.start();
    const flooded = new Probe();
    await bus.subscribe('relayed', 'bench', flooded.handle);
    const count = Math.min(MESSAGES, 50_000);
    let started = performance.now();
    // Transactions of 100 rows, 4 at a time: a service writing as fast as it can.
    let next = 0;
    const writer = async () => {
      while (next < count) {
        const first = next;
        next += BATCH;
        await write(first, Math.min(BATCH, count - first));
      }
    };
    await Promise.all(Array.from({ length: 4 }, writer));
    await flooded.until(count, started);
    flooded.report('outbox flood (100-row txns)', started);

    const steady = new Probe();
    await bus.subscribe('relayed', 'bench-paced', steady.handle);
    started = performance.now();
    // One row per transaction, as request handlers write them. Capped at 500/s: single-row commits
    // on this machine top out near 1000/s, and this phase measures the relay, not Postgres' fsync.
    const rate = Math.min(RATE, 500);
    const sent = await paced(
      (first, size) => Promise.all(Array.from({ length: size }, (_, i) => write(first + i, 1))),
      rate,
    );
    await steady.until(sent, started);
    steady.report(`outbox ${rate}/s (1-row txns)`, started);
  } finally {
    await relay.close();
    await bus.close();
    await db.destroy();
    await dropDatabase(url);
  }
}

async function main(): Promise<void> {
  console.log(
    `bench-bus: ${MESSAGES} messages per flood, paced at ${RATE}/s for ${SECONDS} s; keys under ${KEY_PREFIX}`,
  );
  try {
    await streamPhases();
    await broadcastPhases();
    await outboxPhases();
  } finally {
    const redis = createRedisClient(REDIS_URL, 'bus');
    await deleteKeysWithPrefix(redis, KEY_PREFIX);
    await redis.quit();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench-bus: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
