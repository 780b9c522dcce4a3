import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createRedisClient } from '@boxoffice/platform';
import {
  Envelope,
  RedisBus,
  SubscribeOptions,
  createRedisBus,
  inboxMigration,
  runBatchInInbox,
  runInInbox,
} from '@boxoffice/bus';
import {
  Fixture,
  REDIS_URL,
  createTestDatabase,
  effectsMigration,
  eventually,
  testKeyPrefix,
} from './bus-test-support';

/*
 * docs/bus.md, "Guarantees and their limits": a consumer that stalls longer than `leaseMs` and
 * then resumes can briefly share its partition with the consumer that took it over. These tests
 * make that happen. The stalling consumer runs in a child process, because only a blocked *event
 * loop* stops the heartbeat that renews a lease (a handler awaiting a slow promise keeps its
 * lease, and nobody reclaims its messages meanwhile). It blocks inside its handler until the test
 * has seen the taker reclaim and handle the very message it is stuck on, and more messages have
 * arrived, so the overlap is certain rather than left to timing.
 *
 * Regression: on waking, the stalled consumer read new entries (its read loop runs before its
 * heartbeat learns the lease is gone), then dropped them as "lost partition"; the taker was
 * already reading and never reclaimed them, so 10 messages stayed pending forever (and held back
 * the stream's trim). The taker now notices entries held elsewhere and reclaims them.
 */

/** Lease 1 s (heartbeat every 333 ms), visibility 2 s: a takeover and reclaim within ~2.5 s. */
const TIMINGS: SubscribeOptions = {
  leaseMs: 1000,
  visibilityTimeoutMs: 2000,
  blockMs: 200,
  retryDelayMs: 50,
  batchSize: 10, // the backlog takes several reads, so there is something left to read on waking
};
const STALL_AT = 3; // payload n of the message whose handler stalls
const BACKLOG = 100;
const KEYS = ['alpha', 'bravo', 'charlie', 'delta'];
const TOPIC = { jobs: { partitions: 1 } }; // one partition: the stalled consumer and the taker meet on it

type Mode = 'single' | 'batch';
type Handled = { id: string; applied: boolean };

/** The taker records its effects through the inbox, as the stalled consumer does. */
function subscribeTaker(bus: RedisBus, mode: Mode, db: Knex, handled: Handled[]) {
  const apply = (trx: Knex.Transaction, messages: Envelope<{ n: number }>[]) =>
    trx('effects').insert(
      messages.map((m) => ({ message_id: m.id, key: m.key, n: m.payload.n, applied_by: 'taker' })),
    );
  const options = { ...TIMINGS, consumerName: 'taker' };
  if (mode === 'single') {
    return bus.subscribe<{ n: number }>(
      'jobs',
      'workers',
      async (message) => {
        const result = await runInInbox(db, 'workers', message.id, (trx) => apply(trx, [message]));
        handled.push({ id: message.id, applied: result.applied });
      },
      options,
    );
  }
  return bus.subscribeBatch<{ n: number }>(
    'jobs',
    'workers',
    async (messages) => {
      const ids = messages.map((m) => m.id);
      const fresh = await runBatchInInbox(db, 'workers', ids, async (trx, fresh) => {
        const unseen = messages.filter((m) => fresh.has(m.id));
        if (unseen.length > 0) await apply(trx, unseen);
        return fresh;
      });
      handled.push(...ids.map((id) => ({ id, applied: fresh.has(id) })));
    },
    options,
  );
}

function publishJobs(bus: RedisBus, from: number, to: number): Promise<Envelope[]> {
  return bus.publishBatch(
    'jobs',
    Array.from({ length: to - from }, (_, i) => ({
      key: KEYS[(from + i) % KEYS.length],
      type: 'job',
      payload: { n: from + i },
    })),
  );
}

/** SIGTERM: the fixture closes its bus gracefully and exits; resolves with its exit code. */
async function closeGracefully(fixture: Fixture): Promise<number | null> {
  const exited = once(fixture.child, 'exit');
  fixture.child.kill('SIGTERM');
  await fixture.waitForLine('closed', 5000);
  await exited;
  return fixture.child.exitCode;
}

/** Runs the scenario with a key prefix and a database of its own, and removes them. */
async function stallPastLeaseAndResume(mode: Mode) {
  const { keyPrefix, cleanUp } = testKeyPrefix();
  const database = await createTestDatabase([inboxMigration, effectsMigration]);
  const resumeFile = path.join(tmpdir(), `boxoffice-resume-${randomBytes(6).toString('hex')}`);
  const redis = createRedisClient(REDIS_URL, 'bus');
  const bus = createRedisBus({ url: REDIS_URL, keyPrefix, producer: 'test', topics: TOPIC });
  const takerEvents: string[] = []; // an unhandled rejection fails the test by itself (Jest)
  bus.on('error', (err: Error) => takerEvents.push(`error ${err.message}`));
  bus.on('handlerError', (err: Error) => takerEvents.push(`handler-error ${err.message}`));
  bus.on('deadLettered', (reason: string) => takerEvents.push(`dead-lettered ${reason}`));
  const topic = bus.topic('jobs');
  const stream = topic.stream(0);
  const stalled = new Fixture(path.join(__dirname, 'fixtures/stalling-consumer.ts'), [
    ...[REDIS_URL, keyPrefix, database.url, mode, String(STALL_AT), resumeFile],
    JSON.stringify(TIMINGS),
  ]);
  try {
    // Arrange: the stalling consumer holds the only partition; the taker is in the group too.
    await stalled.waitForLine('ready');
    const takerHandled: Handled[] = [];
    const taker = await subscribeTaker(bus, mode, database.db, takerHandled);
    const published = await publishJobs(bus, 0, STALL_AT + 2);

    // Act: the lease lapses; the taker takes the partition over, reclaims the stuck message and
    // handles it; the rest of the backlog arrives; then the stalled consumer wakes up.
    const stalledId = (await stalled.waitForLine('stalling ')).split(' ')[1];
    await eventually('the taker to handle the stuck message', () =>
      takerHandled.some((h) => h.id === stalledId),
    );
    published.push(...(await publishJobs(bus, STALL_AT + 2, BACKLOG)));
    await writeFile(resumeFile, '');
    await stalled.waitForLine('resumed');
    const effectCount = async () =>
      Number((await database.db('effects').countDistinct({ c: 'message_id' }).first())?.c);
    const pendingCount = async () => ((await redis.xpending(stream, 'workers')) as [number])[0];
    await eventually(
      'every message to have an effect and be acknowledged',
      async () => (await effectCount()) === BACKLOG && (await pendingCount()) === 0,
      10_000,
    ).catch(() => undefined); // the assertions say what is missing, and who holds it
    const stalledExitCode = await closeGracefully(stalled);
    await taker.close();

    return {
      published,
      stalledId,
      stalledLines: stalled.lines,
      stalledExitCode,
      takerHandled,
      takerEvents,
      effects: (await database.db('effects').select('message_id')).map((r) => r.message_id as string),
      consumersLeft: await redis.call('XINFO', 'CONSUMERS', stream, 'workers'),
      pendingLeft: await pendingCount(),
      leaseKeysLeft: await redis.exists(...topic.leases('workers'), topic.members('workers')),
      deadLetters: await redis.xlen(topic.deadLetter()),
    };
  } finally {
    await stalled.kill();
    await bus.close();
    await redis.quit();
    await rm(resumeFile, { force: true });
    await database.drop();
    await cleanUp();
  }
}

/** What must hold however the two consumers interleaved. */
function expectExactlyOnceAndCleanShutdown(outcome: Awaited<ReturnType<typeof stallPastLeaseAndResume>>) {
  // Nothing is left pending under anyone, and both consumers left the group (a consumer is only
  // removed when it holds nothing), with no lease or membership left behind.
  expect(outcome.consumersLeft).toEqual([]);
  expect(outcome.pendingLeft).toBe(0);
  expect(outcome.leaseKeysLeft).toBe(0);
  expect(outcome.stalledExitCode).toBe(0);
  // Every published message has exactly one effect.
  expect(new Set(outcome.effects).size).toBe(outcome.effects.length);
  expect([...outcome.effects].sort()).toEqual(outcome.published.map((m) => m.id).sort());
  // The overlap really happened: both consumers handled the stuck message; the inbox kept one effect.
  expect(outcome.takerHandled).toContainEqual({ id: outcome.stalledId, applied: true });
  expect(outcome.stalledLines).toContain(`handled ${outcome.stalledId} skipped`);
  // Nothing dead-lettered, no handler failed, no Redis error, no crash on either side.
  expect(outcome.deadLetters).toBe(0);
  expect(outcome.takerEvents).toEqual([]);
  expect(outcome.stalledLines.filter((l) => /^(error|handler-error|dead-lettered|crash)/.test(l))).toEqual(
    [],
  );
}

describe('a consumer that stalls past its partition lease and then resumes', () => {
  test('when another consumer took its partition over meanwhile, then every message has exactly one effect and both close cleanly', async () => {
    const outcome = await stallPastLeaseAndResume('single');

    expectExactlyOnceAndCleanShutdown(outcome);
  });

  test('when both consume with subscribeBatch, then every message has exactly one effect and both close cleanly', async () => {
    const outcome = await stallPastLeaseAndResume('batch');

    expectExactlyOnceAndCleanShutdown(outcome);
  });
});
