/**
 * Throughput and publish→handle lag of one backend in three modes — at-least-once (consumer
 * group, acks), at-most-once (broadcast) and through the outbox (Postgres → relay → bus →
 * consumer) — each as a flood (throughput) and a paced run (lag when the bus is not saturated).
 */
import { performance } from 'node:perf_hooks';
import knex from 'knex';
import { dropDatabase, ensureDatabase, migrateLatest, withDatabase } from '@boxoffice/sharding';
import {
  Delivery,
  OutboxRelay,
  outboxMigration,
  outboxTraceContextMigration,
  writeOutbox,
} from '@boxoffice/bus';
import {
  BATCH,
  BenchSettings,
  BenchTarget,
  PhaseResult,
  Probe,
  batchOf,
  benchBus,
  withBuses,
  flood,
  paced,
} from './bench-support';

type Report = (result: PhaseResult) => void;

/** A flood, then paced traffic, published straight to the bus (no outbox) with `delivery`. */
async function directPhases(delivery: Delivery, target: BenchTarget, s: BenchSettings, report: Report) {
  const [floodTopic, pacedTopic] = delivery === 'at-least-once' ? ['flood', 'paced'] : ['wake', 'wake'];
  const options = delivery === 'at-least-once' ? { capacity: 1_000_000 } : { delivery };
  const topics = { [floodTopic]: options, [pacedTopic]: options };
  await withBuses(target, topics, async (producer, consumer) => {
    const flooded = new Probe();
    const subscription = await consumer.subscribe(floodTopic, 'bench', flooded.handle);
    let started = performance.now();
    await flood(producer, floodTopic, s.messages);
    await flooded.until(s.messages, started);
    const figures = flooded.figures(started, s.messages);
    const summary = `${flooded.throughput(started)}${figures.lost > 0 ? `, ${figures.lost} lost` : ''}`;
    report({ phase: `${delivery} flood`, backend: target.backend, summary, figures });
    await subscription.close();

    const steady = new Probe();
    await consumer.subscribe(pacedTopic, 'bench', steady.handle);
    started = performance.now();
    const send = (first: number, size: number) => producer.publishBatch(pacedTopic, batchOf(first, size));
    const sent = await paced(send, s.rate, s.seconds);
    await steady.until(sent, started);
    report({
      phase: `${delivery} ${s.rate}/s`,
      backend: target.backend,
      summary: steady.throughput(started),
      figures: steady.figures(started, sent),
    });
  });
}

export const atLeastOncePhases = (target: BenchTarget, s: BenchSettings, report: Report) =>
  directPhases('at-least-once', target, s, report);
export const atMostOncePhases = (target: BenchTarget, s: BenchSettings, report: Report) =>
  directPhases('at-most-once', target, s, report);

export async function outboxPhases(target: BenchTarget, s: BenchSettings, report: Report): Promise<void> {
  const url = withDatabase(s.pgUrl, `${target.keyPrefix.replace(/\W/g, '_')}outbox`);
  await ensureDatabase(url);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  const bus = benchBus(target, 'bench', { relayed: { capacity: 1_000_000 } });
  const relay = new OutboxRelay({ bus, shards: [{ name: 'bench', db }], batchSize: BATCH });
  relay.on('error', (err: Error) => console.error(`${target.backend} relay error: ${err.message}`));
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
    await migrateLatest(db, [outboxMigration, outboxTraceContextMigration]);
    await relay.start();
    const flooded = new Probe();
    await bus.subscribe('relayed', 'bench', flooded.handle);
    const count = Math.min(s.messages, 50_000);
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
    report({
      phase: 'outbox flood (100-row txns)',
      backend: target.backend,
      summary: flooded.throughput(started),
    });

    const steady = new Probe();
    await bus.subscribe('relayed', 'bench-paced', steady.handle);
    started = performance.now();
    // One row per transaction, as request handlers write them. Capped at 500/s: single-row commits
    // on this machine top out near 1000/s, and this phase measures the relay, not Postgres' fsync.
    const rate = Math.min(s.rate, 500);
    const sent = await paced(
      (first, size) => Promise.all(Array.from({ length: size }, (_, i) => write(first + i, 1))),
      rate,
      s.seconds,
    );
    // The flood's group reads these too; only the paced group's lag is measured.
    await steady.until(sent, started);
    report({
      phase: `outbox ${rate}/s (1-row txns)`,
      backend: target.backend,
      summary: steady.throughput(started),
    });
  } finally {
    await relay.close();
    await bus.close();
    await db.destroy();
    await dropDatabase(url);
  }
}
